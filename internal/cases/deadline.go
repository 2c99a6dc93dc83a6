package cases

import (
	"time"
)

// Overdue is the one rule of an overdue case: it is still open (not in a
// final status) and its due date is before today, the agency's date
// (both dates as calendar.Date gives them). The registry's SQL filter asks
// the same question through overdueSQL.
func Overdue(status Status, due, today time.Time) bool {
	return !status.Final() && due.Before(today)
}

// openSQL is the condition "the case is open" over a status column, with
// the final statuses bound as an array parameter from Status.Final: no
// copy of the list lives in SQL.
func openSQL(column, finalParam string) string {
	return column + " <> ALL(" + finalParam + ")"
}

// overdueSQL is Overdue over a status and a due-date column.
func overdueSQL(status, due, finalParam, todayParam string) string {
	return openSQL(status, finalParam) + " AND " + due + " < " + todayParam
}
