package cases

import (
	"github.com/okno-oiv/okno/internal/people"
)

// Status is where a case stands in its regulation.
type Status string

const (
	StatusRegistered        Status = "registered"         // зарегистрировано
	StatusInProgress        Status = "in_progress"        // в работе
	StatusAwaitingApplicant Status = "awaiting_applicant" // ожидание документов от заявителя
	StatusOnApproval        Status = "on_approval"        // на подписании у руководителя
	StatusDecisionSigned    Status = "decision_signed"    // решение подписано
	StatusResultSent        Status = "result_sent"        // результат направлен
	StatusRefused           Status = "refused"            // отказ
	StatusCancelled         Status = "cancelled"          // отменено
)

// AllStatuses in the order of a case's life.
func AllStatuses() []Status {
	return []Status{StatusRegistered, StatusInProgress, StatusAwaitingApplicant, StatusOnApproval,
		StatusDecisionSigned, StatusResultSent, StatusRefused, StatusCancelled}
}

// Title is the status as clerks read it.
func (s Status) Title() string {
	switch s {
	case StatusRegistered:
		return "Зарегистрировано"
	case StatusInProgress:
		return "В работе"
	case StatusAwaitingApplicant:
		return "Ожидание документов от заявителя"
	case StatusOnApproval:
		return "На подписании"
	case StatusDecisionSigned:
		return "Решение подписано"
	case StatusResultSent:
		return "Результат направлен"
	case StatusRefused:
		return "Отказ"
	case StatusCancelled:
		return "Отменено"
	}
	return string(s)
}

// Final statuses end the case: nothing moves it any more.
func (s Status) Final() bool {
	return s == StatusResultSent || s == StatusRefused || s == StatusCancelled
}

// FinalStatuses lists the final statuses, for SQL that must agree with
// Final (passed as an array parameter, never copied into a literal).
func FinalStatuses() []string {
	var final []string
	for _, s := range AllStatuses() {
		if s.Final() {
			final = append(final, string(s))
		}
	}
	return final
}

// ELKStatus is the code of the applicant's cabinet (ЕСНСИ 7212) reported
// for the status. The default mapping; per-service mapping comes with
// service types as configuration.
func (s Status) ELKStatus() int {
	switch s {
	case StatusRegistered:
		return 6 // принято ведомством
	case StatusInProgress, StatusOnApproval, StatusDecisionSigned:
		return 7 // промежуточные результаты
	case StatusAwaitingApplicant:
		return 14 // ожидание дополнительной информации от пользователя
	case StatusResultSent:
		return 3 // исполнено
	case StatusRefused:
		return 4 // отказ
	case StatusCancelled:
		return 10 // отменено
	}
	return 0
}

// Transition is one allowed move of the status machine: an action a person
// (or the system) takes, and who may take it.
type Transition struct {
	From, To Status
	Action   string        // the button's label
	Roles    []people.Role // empty: only the system (intake, signing, delivery)
	// NeedsComment: the next person in the agency must be told why. The
	// comment never leaves the agency.
	NeedsComment bool
	// Tells is whether the person writes a message for the applicant's
	// cabinet: only moves the applicant must understand offer it, so that
	// nothing written for colleagues reaches the portal by mistake.
	Tells Telling
}

// Telling says whether a move carries a message to the applicant.
type Telling int

const (
	TellsNothing Telling = iota // the move is the agency's own business
	TellsMay                    // a message to the applicant is offered
	TellsMust                   // the applicant must be told (what is asked, why refused)
)

// transitions is the whole machine. Signing a decision and sending the
// result come with the decision workflow, which moves cases by system
// actions after a head's signature.
func transitions() []Transition {
	clerks := []people.Role{people.RoleClerk, people.RoleHead}
	heads := []people.Role{people.RoleHead}
	return []Transition{
		{From: StatusRegistered, To: StatusInProgress, Action: "Взять в работу", Roles: clerks, Tells: TellsMay},
		{From: StatusInProgress, To: StatusAwaitingApplicant, Action: "Запросить документы у заявителя", Roles: clerks, Tells: TellsMust},
		{From: StatusAwaitingApplicant, To: StatusInProgress, Action: "Вернуть в работу", Roles: clerks, Tells: TellsMay},
		{From: StatusInProgress, To: StatusOnApproval, Action: "Передать на подписание", Roles: clerks},
		{From: StatusOnApproval, To: StatusInProgress, Action: "Вернуть на доработку", Roles: heads, NeedsComment: true},
		{From: StatusOnApproval, To: StatusRefused, Action: "Отказать в предоставлении услуги", Roles: heads, Tells: TellsMust},
		{From: StatusOnApproval, To: StatusDecisionSigned, Action: "Решение подписано"},
		{From: StatusDecisionSigned, To: StatusResultSent, Action: "Результат направлен"},
		// The applicant may withdraw the application until a decision is signed.
		{From: StatusRegistered, To: StatusCancelled, Action: "Отмена заявителем"},
		{From: StatusInProgress, To: StatusCancelled, Action: "Отмена заявителем"},
		{From: StatusAwaitingApplicant, To: StatusCancelled, Action: "Отмена заявителем"},
		{From: StatusOnApproval, To: StatusCancelled, Action: "Отмена заявителем"},
		// Documents from the applicant put the case back to work by themselves.
		{From: StatusAwaitingApplicant, To: StatusInProgress, Action: "Получены документы от заявителя"},
	}
}

// TransitionFor finds the move from one status to another that role may make;
// role "" asks for a system move.
func TransitionFor(from, to Status, role people.Role) (Transition, bool) {
	for _, t := range transitions() {
		if t.From != from || t.To != to {
			continue
		}
		if role == "" && len(t.Roles) == 0 {
			return t, true
		}
		for _, r := range t.Roles {
			if r == role {
				return t, true
			}
		}
	}
	return Transition{}, false
}

// ActionsFor lists what role may do with a case in status from.
func ActionsFor(from Status, role people.Role) []Transition {
	var out []Transition
	for _, t := range transitions() {
		for _, r := range t.Roles {
			if t.From == from && r == role {
				out = append(out, t)
			}
		}
	}
	return out
}
