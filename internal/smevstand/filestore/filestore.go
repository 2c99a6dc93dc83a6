// Package filestore is the stand's file storage for large attachments, the
// part of SMEV real systems reach by FTP: an HTTP upload that answers the
// file's uuid, a download guarded by the per-file credentials a delivered
// message's FSAttachment carries. Okno's side of the protocol is
// smevclient.HTTPFileStorage, so the production binary needs nothing of the
// stand.
package filestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// Handler serves POST {prefix} (upload) and GET {prefix}{uuid} (download).
type Handler struct {
	store   *store.Store
	prefix  string
	maxSize int64
	now     func() time.Time
	log     *slog.Logger
}

// NewHandler serves the storage under prefix (e.g. "/files/"); files over
// maxSize bytes are refused.
func NewHandler(st *store.Store, prefix string, maxSize int64, log *slog.Logger) *Handler {
	return &Handler{store: st, prefix: prefix, maxSize: maxSize, now: time.Now, log: log}
}

// Hash is the digest RefAttachmentHeader/Hash carries: base64 of GOST R
// 34.11-2012 (256 bit).
func Hash(data []byte) string {
	h := streebog.New256()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Put stores data as a new file and returns its uuid; the stand's own
// participants use it directly.
func Put(ctx context.Context, st *store.Store, owner, fileName, mimeType string, data []byte, now time.Time) (*store.File, error) {
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return nil, fmt.Errorf("file password: %w", err)
	}
	f := &store.File{
		UUID: uuid.New(), Owner: owner, FileName: fileName, MimeType: mimeType,
		Hash: Hash(data), Content: data, Password: hex.EncodeToString(pw), UploadedAt: now,
	}
	if err := st.PutFile(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, h.prefix)
	switch {
	case r.Method == http.MethodPost && rest == "":
		h.upload(w, r)
	case r.Method == http.MethodGet && rest != "":
		h.download(w, r, rest)
	default:
		http.Error(w, "file storage: POST "+h.prefix+" to upload, GET "+h.prefix+"{uuid} to download", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxSize))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, fmt.Sprintf("file exceeds %d bytes", h.maxSize), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "read upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	mimeType := "application/octet-stream"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			http.Error(w, "bad Content-Type: "+err.Error(), http.StatusBadRequest)
			return
		}
		mimeType = mt
	}
	name := r.Header.Get("X-File-Name")
	if name == "" {
		name = "file.bin"
	}
	f, err := Put(r.Context(), h.store, r.Header.Get("X-Smev-Mnemonic"), name, mimeType, data, h.now())
	if err != nil {
		h.log.Error("store upload", "err", err)
		http.Error(w, "cannot store the file", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(smevclient.UploadedFile{UUID: f.UUID.String(), Hash: f.Hash, Size: int64(len(data))})
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request, raw string) {
	id, err := uuid.Parse(raw)
	if err != nil {
		http.Error(w, "not a file uuid", http.StatusNotFound)
		return
	}
	f, err := h.store.File(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	if err != nil {
		h.log.Error("read file", "uuid", id, "err", err)
		http.Error(w, "cannot read the file", http.StatusInternalServerError)
		return
	}
	if _, pw, ok := r.BasicAuth(); !ok || pw != f.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="smevstand file storage"`)
		http.Error(w, "FSAttachment credentials required", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", f.MimeType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName}))
	http.ServeContent(w, r, "", f.UploadedAt, bytes.NewReader(f.Content))
}
