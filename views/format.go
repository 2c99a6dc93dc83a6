package views

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/forms"
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

func applicantKind(kind string) string {
	switch kind {
	case "person":
		return "Физическое лицо"
	case "legal_entity":
		return "Юридическое лицо"
	case "sole_proprietor":
		return "Индивидуальный предприниматель"
	case "foreign_citizen":
		return "Иностранный гражданин"
	case "foreign_representative":
		return "Представитель иностранной организации"
	}
	return "не определена"
}

func channelTitle(channel string) string {
	if channel == "office" {
		return "личный приём"
	}
	return "ЕПГУ через СМЭВ"
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f МБ", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d КБ", n>>10)
	}
	return fmt.Sprintf("%d Б", n)
}

// signatureText is a document's signature in a word or three, for the
// documents table; the panel below it says the rest. A signature is never
// called valid without its certificate checked.
func signatureText(d cases.Document) string {
	if d.SignatureCheck != nil {
		switch d.SignatureCheck.Verdict {
		case "trusted":
			return "верна, сертификат доверенный"
		case "untrusted":
			return "верна, сертификат не проверен"
		}
		return "не прошла проверку"
	}
	switch d.SignatureStatus {
	case "valid":
		return "верна, сертификат не проверен"
	case "invalid":
		return "не прошла проверку"
	}
	return "нет"
}

// hexDigest writes a digest as people compare them, in upper-case hex.
func hexDigest(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// documentURL is where a case's file is served.
func documentURL(caseID string, d cases.Document) templ.SafeURL {
	return templ.SafeURL("/cases/" + caseID + "/documents/" + d.ID.String())
}

func eventTitle(e cases.Event) string {
	switch e.Kind {
	case "received":
		return "Заявление поступило"
	case "status":
		return "Статус: " + e.ToStatus.Title()
	case "assigned":
		return "Назначение"
	case "documents_received":
		return "Получены документы от заявителя"
	case "withdrawal":
		return "Заявитель отозвал заявление"
	case "withdrawal_refused":
		return "Отзыв заявления отклонён"
	}
	return e.Kind
}

func deliveryText(d *cases.Delivery) string {
	switch d.State {
	case "queued":
		if d.LastError != "" {
			return fmt.Sprintf("в очередь на ЕПГУ, попыток: %d, ошибка: %s", d.Attempts, d.LastError)
		}
		return "в очереди на отправку в ЕПГУ"
	case "sent":
		return "отправлено в ЕПГУ, ожидается подтверждение"
	case "accepted":
		return "принято ЕПГУ"
	case "failed":
		return "не доставлено в ЕПГУ: " + d.LastError
	case "cancelled":
		return "доставка в ЕПГУ отменена: " + d.CancelReason
	}
	return d.State
}

// deliveryStuck: the status has not gone for the outbox's stuck threshold
// and is still being retried.
func deliveryStuck(d *cases.Delivery) bool {
	return d.StuckSince != nil && (d.State == "queued" || d.State == "sent")
}

// stuckText says since when a stuck status has not reached the portal,
// after how many tries and why.
func stuckText(d *cases.Delivery, since string) string {
	if d.State == "sent" {
		return "Не доставлено на портал: статус отправлен, но портал не ответил на него с " + since + "; следующие статусы дела ждут его"
	}
	return fmt.Sprintf("Не доставлено на портал: %s с %s, попыток %d", d.LastError, since, d.Tries)
}

// cancelReasonID is the id of the reason field of a delivery's cancel form.
func cancelReasonID(seq int) string { return fmt.Sprintf("cancel-reason-%d", seq) }

// deliveryURL is the path of an action on a status's delivery.
func deliveryURL(caseID string, seq int, action string) string {
	return fmt.Sprintf("/cases/%s/deliveries/%d/%s", caseID, seq, action)
}

// commentReader says who reads an action's comment: a request for documents
// and a refusal reach the applicant's cabinet, everything else stays inside
// the agency.
func commentReader(cases.Transition) string {
	return "Увидят только сотрудники ведомства, в ходе дела; заявителю не отправляется."
}

func commentLabel(t cases.Transition) string {
	if t.To == cases.StatusInProgress && t.From == cases.StatusOnApproval {
		return "Что доработать (увидит исполнитель)"
	}
	return "Комментарий для сотрудников к «" + t.Action + "»"
}

// applicantHint says what the applicant's message is for in each move.
func applicantHint(t cases.Transition) string {
	switch t.To {
	case cases.StatusAwaitingApplicant:
		return "Какие документы нужны от заявителя. Уйдёт на Госуслуги вместе со статусом."
	case cases.StatusRefused:
		return "Причина отказа. Уйдёт на Госуслуги вместе со статусом."
	}
	return "Уйдёт на Госуслуги вместе со статусом."
}

// irreversible actions end the case for good, so the card asks before them.
func irreversible(t cases.Transition) bool { return t.To.Final() }

func confirmButton(t cases.Transition) string {
	if t.To == cases.StatusRefused {
		return "Да, отказать"
	}
	return "Да, " + strings.ToLower(t.Action)
}

// inputType is the HTML input type of a service field's kind.
func inputType(k forms.FieldKind) string {
	switch k {
	case forms.KindDate:
		return "date"
	case forms.KindEmail:
		return "email"
	case forms.KindPhone:
		return "tel"
	}
	return "text"
}

// countText is a queue's size, "1000+" past the counting limit.
func countText(n, limit int) string {
	if limit > 0 && n >= limit {
		return strconv.Itoa(limit) + "+"
	}
	return fmt.Sprintf("%d %s", n, Plural(n, "дело", "дела", "дел"))
}

// dateText shows a date the forms keep as ГГГГ-ММ-ДД the Russian way.
func dateText(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// identityDocumentText is an identity document by the name of its kind
// (ЕСНСИ 7211), series and number.
func identityDocumentText(d forms.IdentityDocument) string {
	parts := []string{}
	if d.Type != "" {
		parts = append(parts, forms.OptionLabel(forms.IdentityDocumentTypes, d.Type))
	}
	if d.Series != "" {
		parts = append(parts, "серия "+d.Series)
	}
	if d.Number != "" {
		parts = append(parts, "№ "+d.Number)
	}
	return strings.Join(parts, ", ")
}

// foundText is the size of the registry's selection, «более 10 000» past
// the counting limit.
func foundText(n int) string {
	if n > cases.RegistryCountLimit {
		return "Найдено: более 10 000"
	}
	return "Найдено: " + strconv.Itoa(n)
}
