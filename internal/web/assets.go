package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"
)

// assets serves embedded static files under names that carry a hash of the
// content (app.3f2a9c1d.css), so browsers may cache them forever and a new
// release is picked up at once.
type assets struct {
	byHashedName map[string][]byte
	hashedName   map[string]string
}

func loadAssets(files fs.FS) (*assets, error) {
	a := &assets{byHashedName: map[string][]byte{}, hashedName: map[string]string{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".go") {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.byHashedName[hashed] = body
		a.hashedName[name] = hashed
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load static files: %w", err)
	}
	return a, nil
}

// url returns the public URL of a static file by its plain name.
func (a *assets) url(name string) string {
	hashed, ok := a.hashedName[name]
	if !ok {
		// A missing asset is a packaging bug; make it loud in the page source.
		return "/static/missing-" + name
	}
	return "/static/" + hashed
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	body, ok := s.assets.byHashedName[name]
	if !ok {
		s.fail(w, r, errNotFound)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(body)
}

// serveFavicon answers the /favicon.ico that browsers and bookmark tools ask
// for by themselves, whatever the page's <link rel=icon> says.
func (s *Server) serveFavicon(w http.ResponseWriter, r *http.Request) {
	body, ok := s.assets.byHashedName[s.assets.hashedName["favicon.svg"]]
	if !ok {
		s.fail(w, r, errNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(body)
}
