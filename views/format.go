package views

import (
	"net/url"
	"strconv"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/people"
)

func itoa(n int) string     { return strconv.Itoa(n) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "требуется"
	}
	return "не требуется"
}

func userState(u people.User) string {
	switch {
	case u.Disabled():
		return "отключён"
	case u.MustChangePassword:
		return "ожидает первого входа"
	}
	return "активен"
}

func breakReason(reason string) string {
	switch reason {
	case "row missing":
		return "запись удалена"
	case "rows missing at the end":
		return "удалены последние записи"
	case "previous hash does not match":
		return "нарушена связь с предыдущей записью"
	case "row content changed":
		return "содержимое записи изменено"
	}
	return reason
}

func auditNextURL(f audit.Filter, before int64) string {
	q := url.Values{}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if f.ActorLogin != "" {
		q.Set("actor", f.ActorLogin)
	}
	q.Set("before", strconv.FormatInt(before, 10))
	return "/admin/audit?" + q.Encode()
}
