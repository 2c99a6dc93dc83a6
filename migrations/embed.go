// Package migrations holds Okno's schema as goose SQL files, embedded in the
// binary so that the server migrates its own database at start.
package migrations

import "embed"

// Files are the goose migrations, applied in file-name order.
//
//go:embed *.sql
var Files embed.FS
