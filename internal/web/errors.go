package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"

	"github.com/okno-oiv/okno/internal/blob"
	"github.com/okno-oiv/okno/internal/cases"
	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/drafts"
	"github.com/okno-oiv/okno/internal/intake"
	"github.com/okno-oiv/okno/internal/people"
	"github.com/okno-oiv/okno/views"
)

// Errors of the transport itself; domain errors come from the domain packages.
var (
	errNotFound         = errors.New("web: page not found")
	errMethodNotAllowed = errors.New("web: method not allowed")
	errCrossOrigin      = errors.New("web: cross-origin request refused")
	errNoOrigin         = errors.New("web: state-changing request without Origin or Sec-Fetch-Site")
	errBrokenText       = errors.New("web: query or form holds a NUL byte or invalid UTF-8")
	errBadMultipart     = errors.New("web: malformed multipart form")
)

// handler is a page handler that returns its failure instead of writing it.
type handler func(http.ResponseWriter, *http.Request) error

func (s *Server) h(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

type failure struct {
	status        int
	heading, text string
}

// explain translates an error into what a person may be told. Anything not
// listed is internal: logged with the request id, never shown.
func explain(err error) (failure, bool) {
	var tooLarge *http.MaxBytesError
	var fileTooLarge *blob.TooLargeError
	switch {
	case errors.As(err, &fileTooLarge):
		return failure{http.StatusRequestEntityTooLarge, "Файл слишком большой", fmt.Sprintf("Файл больше допустимого размера (%d МБ). Ничего не сохранено. Уменьшите файл (например, отсканируйте в меньшем разрешении) и повторите.", fileTooLarge.Limit>>20)}, true
	case errors.Is(err, errNotFound), errors.Is(err, people.ErrNotFound), errors.Is(err, cases.ErrNotFound):
		return failure{http.StatusNotFound, "Страница не найдена", "Такой страницы нет, или у вас нет к ней доступа. Проверьте адрес."}, true
	case errors.Is(err, errMethodNotAllowed):
		return failure{http.StatusMethodNotAllowed, "Действие недоступно", "Этот адрес не принимает такой запрос."}, true
	case errors.Is(err, people.ErrForbidden), errors.Is(err, cases.ErrForbidden):
		return failure{http.StatusForbidden, "Доступ запрещён", "У вашей роли нет прав на эту страницу. Если они нужны для работы, обратитесь к администратору ведомства."}, true
	case errors.Is(err, errCrossOrigin):
		return failure{http.StatusForbidden, "Запрос отклонён", "Запрос пришёл с другого сайта. Для защиты ваших данных «Окно» принимает изменения только со своих страниц. Откройте «Окно» и повторите действие."}, true
	case errors.Is(err, errNoOrigin):
		return failure{http.StatusForbidden, "Запрос отклонён", "Не удалось подтвердить, что запрос отправлен со страницы «Окна» (нет заголовков Origin и Sec-Fetch-Site). Обновите страницу в браузере и повторите действие."}, true
	case errors.As(err, &tooLarge):
		return failure{http.StatusRequestEntityTooLarge, "Слишком большой запрос", "Данные формы превышают допустимый размер. Сократите текст и повторите."}, true
	case errors.Is(err, drafts.ErrBadKey), errors.Is(err, drafts.ErrNotJSON):
		return failure{http.StatusBadRequest, "Неверные данные", "Черновик формы не сохранён: он пришёл повреждённым. Обновите страницу."}, true
	case errors.Is(err, drafts.ErrTooLarge):
		return failure{http.StatusRequestEntityTooLarge, "Слишком большой черновик", "Черновик формы не сохранён на сервере: он больше 64 КБ. Сократите текст."}, true
	case errors.Is(err, errBadMultipart):
		return failure{http.StatusBadRequest, "Неверные данные", "Форма с файлами пришла повреждённой. Обновите страницу и отправьте её ещё раз."}, true
	case errors.Is(err, errBrokenText):
		return failure{http.StatusBadRequest, "Неверные данные", "Запрос содержит нулевой символ или текст не в кодировке UTF-8. Ничего не изменено. Введите текст заново с клавиатуры или откройте страницу по ссылке из «Окна»."}, true
	case errors.Is(err, database.ErrBusy):
		return failure{http.StatusConflict, "Дело сейчас меняет кто-то ещё", "Дело сейчас меняет кто-то ещё, повторите. Ничего не изменено: обновите страницу и выполните действие ещё раз."}, true
	case errors.Is(err, intake.ErrUnverified):
		return failure{http.StatusConflict, "Повтор невозможен", views.UnverifiedText + ": сообщение можно только закрыть. Ничего не изменено."}, true
	case errors.Is(err, context.Canceled):
		return failure{499, "Запрос прерван", "Запрос прерван."}, true
	}
	return failure{http.StatusInternalServerError, "Внутренняя ошибка", "Не удалось выполнить действие. Ничего не изменено. Повторите позже; если ошибка повторяется, сообщите в поддержку код запроса."}, false
}

// fail renders the error page for err; internal errors are logged in full.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	f, known := explain(err)
	if errors.Is(err, people.ErrForbidden) || errors.Is(err, cases.ErrForbidden) {
		f.text = forbiddenText(principal(r))
	}
	id := ""
	if !known {
		id = requestID(r)
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	if f.status == 499 {
		return
	}
	s.render(w, r, f.status, views.ErrorPage(s.chrome(w, r, f.heading), f.status, f.heading, f.text, id))
}

// forbiddenText says who can grant what is missing. Only the agency
// administrator gives roles, so they are not told to ask themselves.
func forbiddenText(p *people.Principal) string {
	switch {
	case p != nil && p.User.Role == people.RoleAgencyAdmin:
		return "Дела ведут специалисты и руководители ведомства, а у администратора ведомства нет доступа к делам заявителей. Чтобы сотрудник работал с делами, выдайте ему роль «Специалист» или «Руководитель» в разделе «Пользователи»."
	case p != nil && p.User.Role == people.RolePlatformAdmin:
		return "Оператор платформы не работает с делами и пользователями ведомств. Откройте «Ведомства»."
	}
	return "У вашей роли нет прав на эту страницу. Если они нужны для работы, обратитесь к администратору ведомства."
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "render failed", slog.String("request_id", requestID(r)), slog.String("error", err.Error()))
	}
}
