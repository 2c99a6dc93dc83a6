package blob

import (
	"fmt"
	"strings"
)

const (
	// maxKeyLen is the S3 limit on object names; the local store inherits it
	// so both stores accept the same keys.
	maxKeyLen = 1024
	// maxSegmentLen keeps "<segment>.blob" and the temporary names under the
	// 255-byte file name limit of common file systems.
	maxSegmentLen = 200
	// localSuffix ends every file of the local store; see the package doc.
	localSuffix = ".blob"
)

// ValidateKey checks a key: 1 to 1024 bytes of "/"-separated segments, each 1
// to 200 bytes of ASCII letters, digits, '.', '_' and '-', not starting with '.'
// (which also excludes "." and "..") and not ending in ".blob". These rules make
// a key a safe relative path on any file system and a plain S3 object name.
// The error matches ErrInvalidKey.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidKey, len(key), maxKeyLen)
	}
	for i, seg := range strings.Split(key, "/") {
		if reason := segmentProblem(seg); reason != "" {
			return fmt.Errorf("%w %q: segment %d %s", ErrInvalidKey, key, i+1, reason)
		}
	}
	return nil
}

// segmentProblem describes what is wrong with one segment, or returns "".
// ValidateKey adds the key and the sentinel.
func segmentProblem(seg string) string {
	switch {
	case seg == "":
		return "is empty (leading, trailing or doubled '/')"
	case len(seg) > maxSegmentLen:
		return fmt.Sprintf("has %d bytes, at most %d allowed", len(seg), maxSegmentLen)
	case seg[0] == '.':
		return "starts with '.'"
	case strings.HasSuffix(seg, localSuffix):
		return fmt.Sprintf("ends with %q, reserved for the local store's files", localSuffix)
	}
	for i := 0; i < len(seg); i++ {
		if !isKeyByte(seg[i]) {
			return fmt.Sprintf("has byte %q at offset %d, only letters, digits, '.', '_' and '-' are allowed", seg[i:i+1], i)
		}
	}
	return ""
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}
