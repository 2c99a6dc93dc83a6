package blob

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		key    string
		reason string // part of the error message; empty for a valid key
	}{
		{"agency/0b9c3f1e-7d2a-4c55-9a43-1f0e2d3c4b5a/case/7f1e/doc/d1", ""},
		{"a", ""},
		{"case/scan.pdf", ""},
		{"case/decision.p7s", ""},
		{"case/blob", ""},
		{"case/x.blob.p7s", ""},
		{"Case_2026-11/Doc-1", ""},
		{strings.Repeat("a", 200), ""},
		{strings.Repeat("abcdefg/", 127) + "abcdefgh", ""},
		{"", "empty"},
		{strings.Repeat("abcdefg/", 127) + "abcdefghi", "1025 bytes"},
		{strings.Repeat("a", 201), "201 bytes"},
		{"/abs", "segment 1 is empty"},
		{"a//b", "segment 2 is empty"},
		{"a/", "segment 2 is empty"},
		{"..", "starts with '.'"},
		{"a/../b", "segment 2 starts with '.'"},
		{"a/.", "starts with '.'"},
		{"a/.put-123", "starts with '.'"},
		{"a/b.blob", `ends with ".blob"`},
		{"a.blob/b", `segment 1 ends with ".blob"`},
		{`a\b`, `byte "\\" at offset 1`},
		{"a:b", `byte ":"`},
		{"a b", `byte " "`},
		{"дело", `byte "\xd0" at offset 0`},
		{"a\x00", `byte "\x00" at offset 1`},
	} {
		err := ValidateKey(tc.key)
		switch {
		case tc.reason == "" && err != nil:
			t.Errorf("ValidateKey(%.50q): %v, want valid", tc.key, err)
		case tc.reason != "" && !errors.Is(err, ErrInvalidKey):
			t.Errorf("ValidateKey(%.50q): %v, want ErrInvalidKey", tc.key, err)
		case tc.reason != "" && !strings.Contains(err.Error(), tc.reason):
			t.Errorf("ValidateKey(%.50q): %q, want it to mention %q", tc.key, err, tc.reason)
		}
	}
}
