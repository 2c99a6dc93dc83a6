package smevclient

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Direction of an envelope in the journal.
const (
	dirOut = "out"
	dirIn  = "in"
)

// journal writes every envelope exchanged with SMEV to a directory, one file
// each, holding the exact bytes: when SMEV support and the agency argue about
// what was sent, the file is the evidence.
type journal struct {
	dir string
}

// write stores data as <time>_<direction>_<operation>_<id>.xml. Names sort by
// time; a collision (same nanosecond) gets a numeric suffix instead of
// overwriting evidence.
func (j journal) write(at time.Time, direction string, op message.Operation, id string, data []byte) error {
	if j.dir == "" {
		return nil
	}
	base := fmt.Sprintf("%s_%s_%s_%s", at.UTC().Format("20060102T150405.000000000Z"), direction, op, safeName(id))
	for n := 0; n < 100; n++ {
		name := base + ".xml"
		if n > 0 {
			name = fmt.Sprintf("%s.%d.xml", base, n)
		}
		f, err := os.OpenFile(filepath.Join(j.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("journal %s %s: %w", direction, op, err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("journal %s %s: %w", direction, op, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("journal %s %s: %w", direction, op, err)
		}
		return nil
	}
	return fmt.Errorf("journal %s %s: too many files named %s", direction, op, base)
}

// safeName keeps an id usable in a file name whatever a server sent.
func safeName(id string) string {
	if id == "" {
		return "none"
	}
	id = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '_'
	}, id)
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}
