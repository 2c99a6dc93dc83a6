package forms

import (
	"fmt"
	"strconv"
	"strings"
)

// patternPart is a literal run or a token of a registry pattern.
type patternPart struct {
	literal string
	token   string // "year", "code" or "seq"; "" for a literal
	width   int    // zero-padded width of {seq:0N}; 0 pads nothing
}

const maxSeqWidth = 12

// parsePattern splits a registry pattern into literals and tokens. Tokens are
// {year}, {code}, {seq} and {seq:0N}; the pattern must hold exactly one seq
// token, or two cases could get the same number.
func parsePattern(p string) ([]patternPart, error) {
	if p == "" || len(p) > 100 {
		return nil, fmt.Errorf("registry pattern must have 1-100 characters")
	}
	var parts []patternPart
	seqs := 0
	for rest := p; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			parts = append(parts, patternPart{literal: rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("registry pattern %q has '}' without '{'", p)
		}
		if open > 0 {
			parts = append(parts, patternPart{literal: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("registry pattern %q has an unclosed '{'", p)
		}
		part, err := parseToken(rest[open+1 : open+end])
		if err != nil {
			return nil, fmt.Errorf("registry pattern %q: %w", p, err)
		}
		if part.token == "seq" {
			seqs++
		}
		parts = append(parts, part)
		rest = rest[open+end+1:]
	}
	if seqs != 1 {
		return nil, fmt.Errorf("registry pattern %q must contain exactly one {seq} or {seq:0N} token, has %d", p, seqs)
	}
	return parts, nil
}

func parseToken(t string) (patternPart, error) {
	switch t {
	case "year", "code", "seq":
		return patternPart{token: t}, nil
	}
	w, ok := strings.CutPrefix(t, "seq:0")
	if !ok {
		return patternPart{}, fmt.Errorf("unknown token {%s}", t)
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < 1 || n > maxSeqWidth || strconv.Itoa(n) != w {
		return patternPart{}, fmt.Errorf("token {%s}: width must be 1-%d", t, maxSeqWidth)
	}
	return patternPart{token: "seq", width: n}, nil
}

// RegistryNumber renders the case number for the seq-th case of the year, e.g.
// "2026-RNS-000123" from "{year}-{code}-{seq:06}". A sequence longer than its
// width is printed in full. Validate rejects malformed patterns before a
// service type is stored; should one still arrive here, it is printed as is
// with the sequence appended, so numbers stay distinct.
func (st ServiceType) RegistryNumber(year int, seq int64) string {
	parts, err := parsePattern(st.registryPattern())
	if err != nil {
		return st.registryPattern() + strconv.FormatInt(seq, 10)
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.token {
		case "":
			b.WriteString(p.literal)
		case "year":
			b.WriteString(strconv.Itoa(year))
		case "code":
			b.WriteString(st.Code)
		case "seq":
			fmt.Fprintf(&b, "%0*d", p.width, seq)
		}
	}
	return b.String()
}
