package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okno-oiv/okno/internal/browsertest"
)

// TestBrowserCommentsForStaffAndMessagesForTheApplicant: each action says
// who reads what is typed. Returning a draft offers only the comment for the
// executor; a request to the applicant has its own field that says the
// applicant will see it, and the timeline tells the two apart.
func TestBrowserCommentsForStaffAndMessagesForTheApplicant(t *testing.T) {
	s := newSite(t)
	axe := browsertest.Axe(t)
	back := s.addCase(registryCase{number: "2026-RNS-000081", status: "on_approval", executor: "minstroy.clerk"}).String()
	ask := s.addCase(registryCase{number: "2026-RNS-000082", status: "in_progress", executor: "minstroy.clerk"}).String()

	head := s.tab(t, axe)
	head.login("minstroy.head")
	head.open("/cases/"+back, `#actions`)
	returning := head.text(`form:has(button[data-action=in_progress])`)
	if !strings.Contains(returning, "Что доработать (увидит исполнитель) (обязательно)") || strings.Contains(returning, "Сообщение заявителю") {
		t.Fatalf("the return form offers:\n%s", returning)
	}
	head.do("return the draft with a comment for the executor",
		chromedp.SendKeys(`#comment-in_progress`, "Пересчитайте площадь застройки"),
		chromedp.Click(`button[data-action=in_progress]`),
		chromedp.WaitVisible(`.flash-ok`),
	)
	if f := head.text(`.flash-ok`); !strings.Contains(f, "Заявитель увидит в личном кабинете только статус.") {
		t.Errorf("flash %q", f)
	}
	tl := head.text(`#timeline`)
	if !strings.Contains(tl, "Пересчитайте площадь застройки") || strings.Contains(tl, "Заявителю: Пересчитайте") {
		t.Errorf("the timeline shows the comment as:\n%s", tl)
	}
	if n := s.count(`SELECT count(*) FROM case_events WHERE case_id = $1 AND kind = 'status' AND data ? 'to_applicant'`, back); n != 0 {
		t.Errorf("%d status events of the returned case carry a message to the applicant", n)
	}

	clerk := s.tab(t, axe)
	clerk.login("minstroy.clerk")
	clerk.open("/cases/"+ask, `#actions`)
	asking := clerk.text(`form:has(button[data-action=awaiting_applicant])`)
	for _, want := range []string{"Сообщение заявителю (увидит в личном кабинете) (обязательно)",
		"Комментарий для сотрудников к «Запросить документы у заявителя» (необязательно)"} {
		if !strings.Contains(asking, want) {
			t.Errorf("the request form lacks %q:\n%s", want, asking)
		}
	}
	if signing := clerk.text(`form:has(button[data-action=on_approval])`); strings.Contains(signing, "Сообщение заявителю") {
		t.Errorf("handing over for signing offers a message to the applicant:\n%s", signing)
	}
	clerk.do("ask the applicant, with a note for colleagues",
		chromedp.SendKeys(`#to-applicant-awaiting_applicant`, "Приложите выписку ЕГРН"),
		chromedp.Click(`form:has(button[data-action=awaiting_applicant]) summary`),
		chromedp.SendKeys(`#comment-awaiting_applicant`, "Выписка в деле устарела"),
		chromedp.Click(`button[data-action=awaiting_applicant]`),
		chromedp.WaitVisible(`.flash-ok`),
	)
	tl = clerk.text(`#timeline`)
	if !strings.Contains(tl, "Заявителю: Приложите выписку ЕГРН") || !strings.Contains(tl, "Выписка в деле устарела") ||
		strings.Contains(tl, "Заявителю: Выписка") {
		t.Errorf("the timeline:\n%s", tl)
	}
}

// TestBrowserTakingACaseMakesYouItsExecutor: «Взять в работу» on an
// unassigned case makes the person its executor in their department; a
// case in work without an executor cannot go to signing, and the card says
// why.
func TestBrowserTakingACaseMakesYouItsExecutor(t *testing.T) {
	s := newSite(t)
	axe := browsertest.Axe(t)
	taken := s.addCase(registryCase{number: "2026-RNS-000083", status: "registered"}).String()
	orphan := s.addCase(registryCase{number: "2026-RNS-000084", status: "in_progress"}).String()

	b := s.tab(t, axe)
	b.login("minstroy.clerk")
	b.open("/cases/"+taken, `#actions`)
	if e := b.text(`#case-executor`); e != "—" {
		t.Fatalf("executor before taking: %q", e)
	}
	b.do("take into work", chromedp.Click(`button[data-action=in_progress]`), chromedp.WaitVisible(`.flash-ok`))
	if e, d := b.text(`#case-executor`), b.text(`#case-department`); e != "Иванова Мария Сергеевна" || d != "Отдел разрешений на строительство" {
		t.Errorf("after taking: executor %q, department %q", e, d)
	}
	b.checkAxe("the card taken into work")

	b.open("/cases/"+orphan, `#actions`)
	b.do("hand over for signing without an executor",
		chromedp.Click(`button[data-action=on_approval]`),
		chromedp.WaitVisible(`.case-side .problem`),
	)
	if p := b.text(`form:has(button[data-action=on_approval]) .problem`); p != "Назначьте исполнителя: без него дело нельзя передать на подписание." {
		t.Errorf("problem %q", p)
	}
	if st := b.text(`#case-status`); st != "В работе" {
		t.Errorf("status %q", st)
	}
	b.checkAxe("the card refused for signing")

	// Over HTTP: the same refusal, and nothing changes.
	clerk := s.browser().login("minstroy.clerk")
	r := clerk.post("/cases/"+orphan+"/status", url.Values{"from": {"in_progress"}, "to": {"on_approval"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("signing without an executor: %d", r.status)
	}
	mustContain(t, r, "Назначьте исполнителя: без него дело нельзя передать на подписание.")
	if n := s.count(`SELECT count(*) FROM case_events WHERE case_id = $1`, orphan); n != 0 {
		t.Errorf("the refused move left %d events", n)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'case.status' AND object_id = $1::text
		AND details->>'executor_id' = $2`, taken, s.userID("minstroy.clerk").String()); n != 1 {
		t.Errorf("%d audit entries of taking the case for oneself", n)
	}
}

// TestBrowserHomeTilesOpenWhatTheyCount: every tile of a clerk's and a
// head's home counts exactly the rows of the list it opens; «Мои дела в
// работе» leaves out what is registered but not taken; a head sees first
// what waits for their signature, the nearest due date first.
func TestBrowserHomeTilesOpenWhatTheyCount(t *testing.T) {
	s := newSite(t)
	axe := browsertest.Axe(t)
	today := time.Now()
	for i, c := range []registryCase{
		{status: "registered", executor: "minstroy.clerk"},
		{status: "registered"},
		{status: "in_progress", executor: "minstroy.clerk"},
		{status: "in_progress", executor: "minstroy.clerk", due: today.AddDate(0, 0, -3)},
		{status: "awaiting_applicant", executor: "minstroy.clerk", due: today.AddDate(0, 0, 1)},
		{status: "on_approval", executor: "minstroy.clerk", due: today.AddDate(0, 0, 20)},
		{status: "on_approval", executor: "minstroy.clerk", due: today.AddDate(0, 0, 2)},
		{status: "on_approval", executor: "minstroy.head", due: today.AddDate(0, 0, 9)},
		{status: "refused", executor: "minstroy.clerk"},
	} {
		c.number = "2026-RNS-0001" + strconv.Itoa(10+i)
		s.addCase(c)
	}
	for _, login := range []string{"minstroy.clerk", "minstroy.head"} {
		b := s.tab(t, axe)
		b.login(login)
		b.open("/", `#queues`)
		type tile struct{ Title, Href, Count string }
		tiles, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]tile](`[...document.querySelectorAll(".queues li")].map(li => ({
			Title: li.querySelector("a").textContent.trim(), Href: li.querySelector("a").getAttribute("href"),
			Count: li.querySelector(".count").textContent.trim()}))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(tiles) < 5 {
			t.Fatalf("%s sees %d tiles", login, len(tiles))
		}
		for _, tl := range tiles {
			b.open(tl.Href, `main`)
			rows := b.eval(`String(document.querySelectorAll("table.registry tbody tr").length)`)
			if got, _, _ := strings.Cut(tl.Count, " "); got != rows {
				t.Errorf("%s: tile «%s» says %s, its list has %s rows", login, tl.Title, tl.Count, rows)
			}
			if tl.Title == "Мои дела в работе" && login == "minstroy.clerk" && rows != "2" {
				t.Errorf("«Мои дела в работе» of the clerk lists %s cases, want the 2 in work", rows)
			}
		}
		b.open("/", `#queues`)
		hasDesk := b.eval(`String(!!document.getElementById("decisions"))`)
		if login == "minstroy.clerk" {
			if hasDesk != "false" {
				t.Error("a clerk sees the head's desk")
			}
			continue
		}
		desk := b.text(`#decisions`)
		if !strings.Contains(desk, "Ждут вашего решения") || !strings.Contains(desk, "На подписании: Отдел разрешений на строительство") ||
			!strings.Contains(desk, "3 дела") {
			t.Errorf("the head's desk:\n%s", desk)
		}
		first := b.eval(`document.querySelector("#decision-list tbody tr td a").textContent`)
		if first != "2026-RNS-000116" {
			t.Errorf("the desk lists %s first, want 2026-RNS-000116 (due soonest)", first)
		}
		if b.eval(`String(document.querySelectorAll("#decision-list tbody tr").length)`) != "3" {
			t.Errorf("the desk's list:\n%s", b.text(`#decision-list`))
		}
		queues := b.eval(`document.body.innerHTML.indexOf('id="decisions"') < document.body.innerHTML.indexOf('id="queues"') ? "desk first" : "queues first"`)
		if queues != "desk first" {
			t.Error("the head's desk is not first on the home page")
		}
	}
}
