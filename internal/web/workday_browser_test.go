package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okno-oiv/okno/internal/browsertest"
	"github.com/okno-oiv/okno/internal/demo"
)

// tab is one person's browser on the site. With axe loaded, every page it
// opens is checked for serious and critical accessibility problems.
type tab struct {
	t   *testing.T
	s   *site
	ctx context.Context
	axe string
}

func (s *site) tab(t *testing.T, axe string) *tab {
	t.Helper()
	ctx := browsertest.Start(t)
	b := &tab{t: t, s: s, ctx: ctx, axe: axe}
	if axe != "" {
		b.do("let the test inject axe", browsertest.BypassCSP())
	}
	return b
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) login(login string) {
	b.t.Helper()
	b.do("log in as "+login,
		chromedp.Navigate(b.s.url+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, login),
		chromedp.SendKeys(`#f-password`, demo.Password),
		chromedp.Submit(`#f-password`),
		chromedp.WaitVisible(`header .who`),
	)
}

// open goes to a page, waits for its main part and checks it with axe.
func (b *tab) open(path, waitFor string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.s.url+path), chromedp.WaitVisible(waitFor))
	b.checkAxe(path)
}

func (b *tab) checkAxe(page string) {
	b.t.Helper()
	if b.axe == "" {
		return
	}
	found, err := browsertest.SeriousViolations(b.ctx, b.axe)
	if err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range found {
		b.t.Errorf("axe on %s: %s", page, v)
	}
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls the current document until cond (JavaScript) is true.
func (b *tab) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for b.eval("String("+cond+")") != "true" {
		if time.Now().After(deadline) {
			b.t.Fatalf("waited in vain for %s", cond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return browsertest.Text(b.t, b.ctx, sel)
}

// caseInWork is a paper application registered by the clerk and taken into
// work by them.
func caseInWork(t *testing.T, s *site) string {
	t.Helper()
	clerk := s.browser().login("minstroy.clerk")
	id, r := clerk.registerOffice(validOffice(), []byte("%PDF-1.4 скан"))
	if id == "" {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	clerk.post("/cases/"+id+"/assign", url.Values{"executor_id": {s.userID("minstroy.clerk").String()}})
	if r := clerk.post("/cases/"+id+"/status", url.Values{"from": {"registered"}, "to": {"in_progress"}}); r.status != http.StatusSeeOther {
		t.Fatalf("take into work: %d %s", r.status, r.body)
	}
	return id
}

// TestBrowserEachActionKeepsItsComment: a comment typed for «Передать на
// подписание» goes with that action into the case's history, and a comment
// the checks refuse comes back in its own box, not lost.
func TestBrowserEachActionKeepsItsComment(t *testing.T) {
	s := newSite(t)
	id := caseInWork(t, s)
	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/"+id, `#actions`)

	labels := b.text(`.case-side`)
	for _, want := range []string{"Сообщение заявителю (увидит в личном кабинете) (обязательно)",
		"Комментарий для сотрудников к «Передать на подписание» (необязательно)"} {
		if !strings.Contains(labels, want) {
			t.Errorf("the actions panel lacks %q:\n%s", want, labels)
		}
	}
	long := strings.Repeat("Нужна выписка ЕГРН. ", 110) // over 2000 characters
	b.do("type a too long request and send it",
		chromedp.SetValue(`#to-applicant-awaiting_applicant`, long),
		chromedp.Click(`button[data-action=awaiting_applicant]`),
		chromedp.WaitVisible(`.case-side .problem`),
	)
	if got, _ := chromedp.Run(b.ctx, chromedp.Value(`#to-applicant-awaiting_applicant`)); got != long {
		t.Errorf("after the refusal the request box holds %d characters, want the %d typed", len([]rune(got)), len([]rune(long)))
	}
	if p := b.text(`.case-side .problem`); p != "Не длиннее 2000 символов." {
		t.Errorf("problem %q", p)
	}

	b.open("/cases/"+id, `#actions`)
	b.do("write a comment for «Передать на подписание» and press it",
		chromedp.Click(`form:has(button[data-action=on_approval]) summary`),
		chromedp.SendKeys(`#comment-on_approval`, "Проверено, замечаний нет"),
		chromedp.Click(`button[data-action=on_approval]`),
		chromedp.WaitVisible(`.flash-ok`),
	)
	if st := b.text(`#case-status`); st != "На подписании" {
		t.Fatalf("status %q", st)
	}
	if tl := b.text(`#timeline`); !strings.Contains(tl, "Статус: На подписании") || !strings.Contains(tl, "Проверено, замечаний нет") {
		t.Fatalf("the timeline lacks the comment:\n%s", tl)
	}
}

// TestBrowserRefusalAsksFirst: refusing names what happens and what the
// applicant will see; «Вернуться к делу» changes nothing.
func TestBrowserRefusalAsksFirst(t *testing.T) {
	s := newSite(t)
	id := s.addCase(registryCase{number: "2026-RNS-000077", status: "on_approval", executor: "minstroy.clerk"}).String()
	b := s.tab(t, "")
	b.login("minstroy.head")
	b.open("/cases/"+id, `#actions`)
	reason := "Земельный участок не принадлежит заявителю"
	b.do("type the reason and press «Отказать»",
		chromedp.SendKeys(`#to-applicant-refused`, reason),
		chromedp.Click(`button[data-action=refused]`),
		chromedp.WaitVisible(`#confirm-refused`),
	)
	text := b.text(`#confirm-refused`)
	for _, want := range []string{"Отказать в предоставлении услуги: дело № 2026-RNS-000077",
		"Дело закроется со статусом «Отказ». Отменить это действие будет нельзя.",
		"Заявитель увидит в личном кабинете на Госуслугах статус «Отказ» и причину:", reason} {
		if !strings.Contains(text, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, text)
		}
	}
	b.do("go back", chromedp.Click(`#confirm-refused button[value=cancel]`))
	if open := b.eval(`String(document.getElementById("confirm-refused").open)`); open != "false" {
		t.Fatal("the dialog stays open")
	}
	if st := b.text(`#case-status`); st != "На подписании" {
		t.Fatalf("going back changed the status to %q", st)
	}
	b.do("confirm",
		chromedp.Click(`button[data-action=refused]`),
		chromedp.WaitVisible(`#confirm-refused`),
		chromedp.Click(`#confirm-refused button[value=confirm]`),
	)
	// The dialog submits the form from its close event, after the click
	// returns. Wait for the refusal to be made, then open the card as the
	// head would next (under load the headless browser was seen to keep
	// the old document after the submission's redirect).
	for deadline := time.Now().Add(30 * time.Second); s.count(`SELECT count(*) FROM cases WHERE id = $1 AND status = 'refused'`, id) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("confirming did not refuse the case")
		}
	}
	b.open("/cases/"+id, `#case-status`)
	b.do("screenshot", browsertest.Screenshot("50-refused"))
	if st := b.text(`#case-status`); st != "Отказ" {
		t.Fatalf("status after confirming: %q", st)
	}
	if !strings.Contains(b.text(`#timeline`), reason) {
		t.Fatal("the reason is not in the timeline")
	}
}

// TestRefusalWithoutScriptConfirmsOnAPage: without JavaScript the same
// question is a page; only its confirmation refuses.
func TestRefusalWithoutScriptConfirmsOnAPage(t *testing.T) {
	s := newSite(t)
	id := s.addCase(registryCase{number: "2026-RNS-000078", status: "on_approval", executor: "minstroy.clerk"}).String()
	head := s.browser().login("minstroy.head")
	form := url.Values{"from": {"on_approval"}, "to": {"refused"}, "to_applicant": {"Нет права на участок"}}
	r := head.post("/cases/"+id+"/status", form)
	if r.status != http.StatusOK {
		t.Fatalf("refusal without confirmation: %d", r.status)
	}
	mustContain(t, r, "Дело закроется со статусом «Отказ»", "Заявитель увидит в личном кабинете на Госуслугах статус «Отказ» и причину:",
		"Нет права на участок", `name="confirmed" value="1"`, "Да, отказать")
	var status string
	if err := s.ownerQuery(`SELECT status FROM cases WHERE id = $1`, id).Scan(&status); err != nil || status != "on_approval" {
		t.Fatalf("before confirming the case is %q (%v)", status, err)
	}
	form.Set("confirmed", "1")
	if r := head.post("/cases/"+id+"/status", form); r.status != http.StatusSeeOther {
		t.Fatalf("confirmed refusal: %d %s", r.status, r.body)
	}
	if err := s.ownerQuery(`SELECT status FROM cases WHERE id = $1`, id).Scan(&status); err != nil || status != "refused" {
		t.Fatalf("after confirming the case is %q (%v)", status, err)
	}
}

// TestBrowserEmptyStatesSayWhatToDo: a new agency's clerk and its
// administrator are told what to do and who does it.
func TestBrowserEmptyStatesSayWhatToDo(t *testing.T) {
	s := newSite(t)
	s.ownerExec(`DELETE FROM service_types WHERE agency_id = (SELECT id FROM agencies WHERE code = 'OKN')`)
	b := s.tab(t, "")
	b.login("okn.clerk")
	b.open("/cases/new", `#services-empty`)
	if got := b.text(`#services-empty`); !strings.Contains(got, "В ведомстве ещё не подключено ни одной услуги") ||
		!strings.Contains(got, "подключает оператор платформы «Окно» по заявке ведомства") || !strings.Contains(got, "Сообщите администратору ведомства") {
		t.Errorf("no service types: %q", got)
	}
	b.open("/cases", `#registry-empty`)
	if got := b.text(`#registry-empty`); !strings.Contains(got, "В ведомстве пока нет ни одного дела") || !strings.Contains(got, "Новое заявление") {
		t.Errorf("empty registry: %q", got)
	}
	b.open("/cases/mine", `#registry-empty`)
	if got := b.text(`#registry-empty`); !strings.Contains(got, "Вам пока не назначено ни одного дела") || !strings.Contains(got, "Взять в работу") {
		t.Errorf("empty inbox: %q", got)
	}
	b.open("/cases?q=Никого", `#registry-empty`)
	if got := b.text(`#registry-empty`); !strings.Contains(got, "Дел не найдено") {
		t.Errorf("nothing found: %q", got)
	}

	admin := s.tab(t, "")
	admin.login("okn.admin")
	admin.open("/cases", `.error-page`)
	got := admin.text(`.error-page`)
	if strings.Contains(got, "обратитесь к администратору ведомства") || !strings.Contains(got, "в разделе «Пользователи»") {
		t.Errorf("the administrator opening «Реестр» reads: %q", got)
	}
}

// TestBrowserNothingScrollsSideways: at 1280 and 1366 px no page is wider
// than the window, and on a 390 px phone the navigation fits and the
// registry is a list of cards. Every page passes axe, and none asks for
// anything that is not there (the favicon included).
func TestBrowserNothingScrollsSideways(t *testing.T) {
	s := newSite(t)
	axe := browsertest.Axe(t)
	long := "Общество с ограниченной ответственностью «Специализированный застройщик Северо-Западная строительная компания»"
	for i := 1; i <= 12; i++ {
		s.addCase(registryCase{number: fmt.Sprintf("2026-RNS-9%05d", i), applicant: long, executor: "minstroy.clerk",
			due: time.Now().AddDate(0, 0, i-3)})
	}
	id := caseInWork(t, s)
	onApproval := s.addCase(registryCase{number: "2026-RNS-990099", status: "on_approval", executor: "minstroy.clerk"}).String()

	pages := []struct {
		login string
		paths []string
	}{
		{"minstroy.clerk", []string{"/", "/cases", "/cases/mine", "/cases/" + id, "/cases/new", "/cases/new/RNS", "/cases/new/RNS?kind=legal_entity", "/account"}},
		{"minstroy.head", []string{"/cases/" + onApproval}},
		{"minstroy.admin", []string{"/", "/admin/users", "/admin/departments", "/admin/settings", "/admin/audit"}},
		{"platform.admin", []string{"/platform/agencies", "/platform/agencies/new"}},
	}
	for _, who := range pages {
		b := s.tab(t, axe)
		var mu sync.Mutex
		var failed []string
		if err := chromedp.Listen(b.ctx, func(ev any) {
			if r, ok := ev.(*network.EventResponseReceived); ok && r.Response.Status >= 400 {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("%d %s", r.Response.Status, r.Response.URL))
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		b.do("watch the network", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{})
			return err
		}))
		b.login(who.login)
		for _, width := range []int64{1280, 1366, 390} {
			b.do("resize", chromedp.EmulateViewport(width, 900))
			for _, path := range who.paths {
				b.open(path, `main`)
				sizes := b.eval(`const e = document.documentElement; e.scrollWidth + " " + e.clientWidth`)
				var scroll, client int
				fmt.Sscan(sizes, &scroll, &client)
				if scroll > client {
					t.Errorf("%s at %d px as %s: the page is %d px wide in a %d px window", path, width, who.login, scroll, client)
				}
				name := fmt.Sprintf("60-%s-%d%s", who.login, width, strings.NewReplacer("/", "_", "-", "").Replace(path))
				b.do("screenshot", browsertest.Screenshot(name[:min(len(name), 60)]))
				if width == 390 && path == "/cases" {
					if d := b.eval(`getComputedStyle(document.querySelector("table.registry tr")).display`); d != "block" {
						t.Errorf("at 390 px the registry rows are %q, not cards", d)
					}
					if h := b.eval(`String(document.querySelector("header.top nav").getBoundingClientRect().right <= innerWidth)`); h != "true" {
						t.Error("at 390 px the navigation sticks out")
					}
				}
			}
		}
		mu.Lock()
		for _, f := range failed {
			t.Errorf("as %s the browser got %s", who.login, f)
		}
		mu.Unlock()
	}
	r := s.browser().get("/favicon.ico")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "image/") {
		t.Fatalf("/favicon.ico: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

// TestBrowserRegistrySearchOrderAndCount: a clerk finds an organisation's
// case by its representative's name and by the e-mail, reads how many cases
// the list holds, and sees cases due the same day in the order of their
// numbers.
func TestBrowserRegistrySearchOrderAndCount(t *testing.T) {
	s := newSite(t)
	due := time.Now().AddDate(0, 0, 7)
	for _, n := range []string{"2026-RNS-000503", "2026-RNS-000501", "2026-RNS-000502"} {
		s.addCase(registryCase{number: n, due: due})
	}
	s.addCase(registryCase{number: "2026-RNS-000600", applicant: "ООО «Ромашка»", due: due.AddDate(0, 0, 1),
		person: `{"organization_name": "ООО «Ромашка»", "last_name": "Кузнецова", "first_name": "Мария", "email": "office@romashka.example"}`})
	s.addCase(registryCase{agency: "OKN", number: "2026-OKN-000600", applicant: "ООО «Лютик»",
		person: `{"last_name": "Кузнецова", "email": "office@romashka.example"}`})
	b := s.tab(t, browsertest.Axe(t))
	b.login("minstroy.clerk")
	b.open("/cases", `table.registry`)
	if got := b.text(`#registry-found`); got != "Найдено: 4" {
		t.Errorf("the whole registry says %q", got)
	}
	rows := strings.Fields(b.eval(`[...document.querySelectorAll("table.registry tbody tr td:nth-child(2)")].map(td => td.textContent.trim()).join(" ")`))
	if want := []string{"2026-RNS-000501", "2026-RNS-000502", "2026-RNS-000503", "2026-RNS-000600"}; !slices.Equal(rows, want) {
		t.Errorf("the registry lists %v, want %v", rows, want)
	}
	for _, q := range []string{"Кузнецова", "Кузнецовой", "office@romashka.example", "romashka"} {
		b.open("/cases?q="+url.QueryEscape(q), `#registry-found`)
		if got := b.text(`#registry-found`); got != "Найдено: 1" {
			t.Errorf("searching %q says %q", q, got)
		}
		if got := b.text(`table.registry tbody`); !strings.Contains(got, "2026-RNS-000600") || !strings.Contains(got, "Ромашка") {
			t.Errorf("searching %q lists %q", q, got)
		}
	}
	b.open("/cases?q=Никого", `#registry-empty`)
	if got := b.text(`#registry-found`); got != "Найдено: 0" {
		t.Errorf("a search that finds nothing says %q", got)
	}
}

// TestBrowserKeys: "?" lists the keys, the arrows walk the registry, Enter
// opens a case, and the card's action is reached and pressed without a mouse.
func TestBrowserKeys(t *testing.T) {
	s := newSite(t)
	s.addCase(registryCase{number: "2026-RNS-000001", status: "registered", due: time.Now().AddDate(0, 0, 5)})
	s.addCase(registryCase{number: "2026-RNS-000002", status: "registered", due: time.Now().AddDate(0, 0, 6)})
	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases", `table.registry`)
	b.do(`press "?"`, chromedp.KeyEvent("?"), chromedp.WaitVisible(`#keys-help`), browsertest.Screenshot("70-keys-help"))
	help := b.text(`#keys-help`)
	for _, want := range []string{"перейти к поиску", "следующее и предыдущее дело в реестре", "открыть выбранное дело", "перейти к действиям"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q:\n%s", want, help)
		}
	}
	b.do("close it", chromedp.KeyEvent(kb.Escape))
	if open := b.eval(`String(document.getElementById("keys-help").open)`); open != "false" {
		t.Fatal("Escape did not close the help")
	}
	b.do("arrow down twice, then up", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	if f := b.eval(`document.activeElement.textContent`); f != "2026-RNS-000002" {
		t.Fatalf("two arrows down focus %q", f)
	}
	b.do("up", chromedp.KeyEvent(kb.ArrowUp))
	if f := b.eval(`document.activeElement.textContent`); f != "2026-RNS-000001" {
		t.Fatalf("arrow up focuses %q", f)
	}
	b.do("Enter opens the case", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`#actions`))
	if n := b.text(`#case-number`); n != "2026-RNS-000001" {
		t.Fatalf("Enter opened %q", n)
	}
	b.do(`press "a": the first action`, chromedp.KeyEvent("a"))
	if f := b.eval(`document.activeElement.closest("form.action") ? document.activeElement.closest("form.action").querySelector("button").textContent : ""`); f != "Взять в работу" {
		t.Fatalf(`"a" focused the form of %q`, f)
	}
	b.do("Tab past the message to the applicant to the button", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	if f := b.eval(`document.activeElement.textContent`); f != "Взять в работу" {
		t.Fatalf("Tab reached %q", f)
	}
	b.do("press it", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`.flash-ok`))
	if st := b.text(`#case-status`); st != "В работе" {
		t.Fatalf("status after the keyboard: %q", st)
	}
}

// TestBrowserTimesInTheAgencyZone: the card shows times on the agency's
// clock (Moscow by default) and names the zone once, never «UTC».
func TestBrowserTimesInTheAgencyZone(t *testing.T) {
	s := newSite(t)
	before := time.Now()
	id := caseInWork(t, s)
	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/"+id, `#timeline`)
	moscow, _ := time.LoadLocation("Europe/Moscow")
	page := b.text(`body`)
	// The registration happened a moment ago: its minute (or the next one) on Moscow's clock.
	want1, want2 := before.In(moscow).Format("02.01.2006 15:04"), before.Add(time.Minute).In(moscow).Format("02.01.2006 15:04")
	received := b.text(`#timeline li:first-child .when`)
	if received != want1 && received != want2 {
		t.Errorf("the timeline says %q, want Moscow's %q", received, want1)
	}
	if strings.Contains(page, "UTC") && strings.Count(page, "UTC") != 1 {
		t.Errorf("the page names UTC more than once:\n%s", page)
	}
	if z := b.text(`#zone-label`); z != "Время — московское (UTC+3)" {
		t.Errorf("zone label %q", z)
	}
	if strings.Count(page, "московское") != 1 {
		t.Errorf("the zone is named %d times", strings.Count(page, "московское"))
	}
}

// TestBrowserOfficeDraftSurvivesAReload: what the clerk types into the
// office form is back after a reload, and gone once the application is
// registered; leaving with unsent text asks first.
func TestBrowserOfficeDraftSurvivesAReload(t *testing.T) {
	s := newSite(t)
	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/new/RNS?kind=person", `#office-form`)
	b.do("type part of an application",
		chromedp.SendKeys(`#f-applicant\.last_name`, "Орлова"),
		chromedp.SendKeys(`#f-objectName`, "Индивидуальный жилой дом"),
	)
	// The browser's «Leave site?» question: the test notes it and says yes.
	asked := make(chan string, 4)
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case asked <- string(d.Type):
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	var questions atomic.Int32
	go func() {
		for {
			select {
			case <-b.ctx.Done():
				return
			case kind := <-asked:
				if kind == "beforeunload" {
					questions.Add(1)
				}
				chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
					return err
				}))
			}
		}
	}()
	asks := b.eval(`(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return String(e.defaultPrevented); })()`)
	if asks != "true" {
		t.Error("leaving the page with typed text does not ask")
	}
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(`#office-form`), browsertest.Screenshot("80-office-draft"))
	if questions.Load() == 0 {
		t.Error("reloading with typed text did not ask «Leave site?»")
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-applicant\.last_name`)); v != "Орлова" {
		t.Fatalf("after a reload the last name is %q", v)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-objectName`)); v != "Индивидуальный жилой дом" {
		t.Fatalf("after a reload the object is %q", v)
	}
	if note := b.text(`[data-draft-note]`); !strings.Contains(note, "Восстановлен черновик") {
		t.Errorf("the form does not say it restored a draft: %q", note)
	}
	fill := validOffice()
	delete(fill, "applicant.last_name")
	delete(fill, "objectName")
	var steps []chromedp.Action[chromedp.Void]
	for name, value := range fill {
		sel := `[name="` + name + `"]`
		if strings.HasPrefix(name, "document.") {
			steps = append(steps, chromedp.Click(sel))
		} else {
			steps = append(steps, chromedp.SetValue(sel, value))
		}
	}
	steps = append(steps, chromedp.Click(`#office-form button[type=submit]`), chromedp.WaitVisible(`#case-number`))
	b.do("fill in the rest and register", steps...)
	if n := b.eval(`String(Object.keys(localStorage).filter((k) => k.startsWith("okno.draft.")).length)`); n != "0" {
		t.Errorf("%s drafts stay in the browser after registering", n)
	}
	b.open("/cases/new/RNS?kind=person", `#office-form`)
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-applicant\.last_name`)); v != "" {
		t.Errorf("the next application starts with %q", v)
	}
}

// TestBrowserOfficeDraftOnTheServer: what a clerk typed into the office form
// survives the browser itself: closed, and opened again with a new profile
// (nothing in localStorage), after logging in the form is filled from the
// server's draft; registering the application forgets it there too.
func TestBrowserOfficeDraftOnTheServer(t *testing.T) {
	s := newSite(t)
	first := s.tab(t, "")
	first.login("minstroy.clerk")
	first.open("/cases/new/RNS?kind=person", `#office-form`)
	first.do("type part of an application",
		chromedp.SendKeys(`#f-applicant\.last_name`, "Орлова"),
		chromedp.SendKeys(`#f-objectName`, "Индивидуальный жилой дом"),
	)
	saved := `SELECT count(*) FROM drafts WHERE form_key = 'office/RNS'
		AND body->>'applicant.last_name' = 'Орлова' AND body->>'objectName' = 'Индивидуальный жилой дом'`
	for deadline := time.Now().Add(30 * time.Second); s.count(saved) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the typed draft never reached the server")
		}
	}
	if err := chromedp.Cancel(first.ctx); err != nil {
		t.Fatalf("close the first browser: %v", err)
	}

	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/new/RNS?kind=person", `#office-form`)
	b.do("wait for the restored draft", chromedp.WaitVisible(`[data-draft-note]`), browsertest.Screenshot("81-office-draft-server"))
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-applicant\.last_name`)); v != "Орлова" {
		t.Fatalf("in a new browser the last name is %q", v)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-objectName`)); v != "Индивидуальный жилой дом" {
		t.Fatalf("in a new browser the object is %q", v)
	}
	if note := b.text(`[data-draft-note]`); !strings.Contains(note, "Восстановлен черновик") || !strings.Contains(note, "на сервере") {
		t.Errorf("the form does not say it restored the server's draft: %q", note)
	}
	fill := validOffice()
	delete(fill, "applicant.last_name")
	delete(fill, "objectName")
	var steps []chromedp.Action[chromedp.Void]
	for name, value := range fill {
		sel := `[name="` + name + `"]`
		if strings.HasPrefix(name, "document.") {
			steps = append(steps, chromedp.Click(sel))
		} else {
			steps = append(steps, chromedp.SetValue(sel, value))
		}
	}
	steps = append(steps, chromedp.Click(`#office-form button[type=submit]`), chromedp.WaitVisible(`#case-number`))
	b.do("fill in the rest and register", steps...)
	if n := s.count(`SELECT count(*) FROM drafts WHERE form_key = 'office/RNS'`); n != 0 {
		t.Errorf("%d drafts stay on the server after registering", n)
	}
	b.open("/cases/new/RNS?kind=person", `#office-form`)
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(`#f-applicant\.last_name`)); v != "" {
		t.Errorf("the next application starts with %q", v)
	}
}

// TestBrowserActionCommentDraftOnTheServer: a comment typed for an action on
// the card comes back in another browser, and is forgotten once the action
// is done.
func TestBrowserActionCommentDraftOnTheServer(t *testing.T) {
	s := newSite(t)
	id := caseInWork(t, s)
	first := s.tab(t, "")
	first.login("minstroy.clerk")
	first.open("/cases/"+id, `#actions`)
	// The first action that asks for a comment, needs nothing else typed
	// (no message to the applicant) and no confirmation.
	field := first.eval(`(() => { const f = [...document.querySelectorAll("form.action[data-draft]:not([data-confirm])")].find((f) => f.querySelector("textarea[name=comment]") && [...f.querySelectorAll("[required]")].every((e) => e.name === "comment")); if (!f) return ""; const ta = f.querySelector("textarea[name=comment]"); const d = ta.closest("details"); if (d) d.open = true; return ta.id; })()`)
	if field == "" {
		t.Fatal("no action on the card asks for a comment")
	}
	const comment = "Прошу представить выписку из ЕГРН на участок"
	first.do("type a comment", chromedp.SendKeys("#"+field, comment))
	saved := `SELECT count(*) FROM drafts WHERE form_key LIKE 'case/' || $1 || '/%' AND body->>'comment' = $2`
	for deadline := time.Now().Add(30 * time.Second); s.count(saved, id, comment) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the typed comment never reached the server")
		}
	}
	if err := chromedp.Cancel(first.ctx); err != nil {
		t.Fatalf("close the first browser: %v", err)
	}

	b := s.tab(t, "")
	b.login("minstroy.clerk")
	b.open("/cases/"+id, `#actions`)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.getElementById("`+field+`").value === "`+comment+`"`)); err != nil {
		t.Fatalf("the comment is not restored in a new browser: %v", err)
	}
	b.do("do the action", chromedp.Click(`form.action:has(#`+field+`) button[type=submit]`))
	b.waitFor(`document.querySelector(".flash-ok") !== null`)
	if n := s.count(`SELECT count(*) FROM drafts WHERE form_key LIKE 'case/' || $1 || '/%'`, id); n != 0 {
		t.Errorf("%d drafts of the card stay on the server after the action", n)
	}
}
