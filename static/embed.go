// Package static holds Okno's own stylesheet and script, embedded in the
// binary and served under content-hashed names (see internal/web).
package static

import "embed"

// Files are the static assets by file name.
//
//go:embed *.css *.js *.svg
var Files embed.FS
