package portal

import (
	"bytes"
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

//go:embed cabinet.html
var cabinetHTML string

// Cabinet is the applicant's cabinet: applications with their status
// history, messages and files, and a check of a file's signature.
type Cabinet struct {
	store *store.Store
	tmpl  *template.Template
	log   *slog.Logger
}

// NewCabinet parses the page template.
func NewCabinet(st *store.Store, log *slog.Logger) (*Cabinet, error) {
	tmpl, err := template.New("cabinet").Funcs(template.FuncMap{
		// The portal's users read Moscow time.
		"date":  func(t time.Time) string { return t.In(time.FixedZone("MSK", 3*60*60)).Format("02.01.2006 15:04:05") },
		"deref": func(p *int) int { return *p },
	}).Parse(cabinetHTML)
	if err != nil {
		return nil, err
	}
	return &Cabinet{store: st, tmpl: tmpl, log: log}, nil
}

type cabinetPage struct {
	Title        string
	Applications []*store.Application
	Next         int64
	Check        *signatureCheck
}

type signatureCheck struct {
	FileName            string
	Err                 string
	Signer              string
	Fields              []esign.Field
	NotBefore, NotAfter time.Time
	SigningTime         time.Time
}

const pageSize = 20

// ServeHTTP serves "/" (the list), "/files/{uuid}" and
// "/files/{uuid}/signature" relative to where it is mounted.
func (c *Cabinet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "только просмотр", http.StatusMethodNotAllowed)
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	switch {
	case path == "":
		c.list(w, r)
	case strings.HasPrefix(path, "files/"):
		rest := strings.TrimPrefix(path, "files/")
		id, check := strings.CutSuffix(rest, "/signature")
		if check {
			c.check(w, r, id)
		} else {
			c.file(w, r, id)
		}
	default:
		http.NotFound(w, r)
	}
}

func (c *Cabinet) list(w http.ResponseWriter, r *http.Request) {
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil {
		before = 0
	}
	apps, err := c.store.RecentApplications(r.Context(), before, pageSize)
	if err != nil {
		c.fail(w, "list applications", err)
		return
	}
	page := cabinetPage{Title: "Мои заявления", Applications: apps}
	if len(apps) == pageSize {
		page.Next = apps[len(apps)-1].OrderNumber
	}
	c.render(w, page)
}

func (c *Cabinet) file(w http.ResponseWriter, r *http.Request, raw string) {
	id, err := uuid.Parse(raw)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f, err := c.store.File(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Файл не найден", http.StatusNotFound)
		return
	}
	if err != nil {
		c.fail(w, "read file", err)
		return
	}
	w.Header().Set("Content-Type", f.MimeType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.FileName}))
	http.ServeContent(w, r, "", f.UploadedAt, bytes.NewReader(f.Content))
}

func (c *Cabinet) check(w http.ResponseWriter, r *http.Request, raw string) {
	id, err := uuid.Parse(raw)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ef, err := c.store.EventFile(r.Context(), id.String())
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Файл не найден", http.StatusNotFound)
		return
	}
	if err != nil {
		c.fail(w, "find file", err)
		return
	}
	res := &signatureCheck{FileName: ef.Name}
	f, err := c.store.File(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		res.Err = "файл не найден в файловом хранилище"
	case err != nil:
		c.fail(w, "read file", err)
		return
	case len(ef.Signature) == 0:
		res.Err = "к файлу не приложена подпись"
	default:
		info, verr := esign.VerifyDetached(bytes.NewReader(f.Content), ef.Signature, esign.VerifyOptions{})
		if verr != nil {
			res.Err = verr.Error()
		} else {
			res.Signer = info.Certificate.Subject.FullName()
			res.Fields = info.Certificate.Subject.Fields()
			res.NotBefore, res.NotAfter, res.SigningTime = info.Certificate.NotBefore, info.Certificate.NotAfter, info.SigningTime
		}
	}
	c.render(w, cabinetPage{Title: "Проверка подписи", Check: res})
}

func (c *Cabinet) render(w http.ResponseWriter, page cabinetPage) {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, "list", page); err != nil {
		c.fail(w, "render cabinet", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = b.WriteTo(w)
}

func (c *Cabinet) fail(w http.ResponseWriter, what string, err error) {
	c.log.Error("cabinet: "+what, "err", err)
	http.Error(w, "Сервис временно недоступен", http.StatusInternalServerError)
}
