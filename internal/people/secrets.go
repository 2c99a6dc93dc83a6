package people

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// SecretsKeySize is the length of the key that seals TOTP secrets at rest.
const SecretsKeySize = 32

// sealedPrefix marks a sealed value; a base32 secret kept in clear by an
// earlier version never contains a colon.
const sealedPrefix = "v1:"

var errSealBroken = errors.New("people: sealed second-factor secret does not open with this key and user")

// sealer keeps TOTP secrets unreadable in the database and its backups:
// AES-256-GCM with the user's id as associated data, so a sealed value copied
// to another user's row does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (sealer, error) {
	if len(key) != SecretsKeySize {
		return sealer{}, fmt.Errorf("people: secrets key must be %d bytes, got %d", SecretsKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("people: secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("people: secrets key: %w", err)
	}
	return sealer{aead: aead}, nil
}

func (s sealer) seal(userID uuid.UUID, secret string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("people: seal nonce: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(secret), userID[:])
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open returns the secret of a stored value and whether it was sealed; a
// value in clear (from before sealing) is returned as it is, for the caller
// to seal on its next write.
func (s sealer) open(userID uuid.UUID, stored string) (secret string, sealed bool, err error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, false, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", true, errSealBroken
	}
	nonce, ciphertext := raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():]
	clear, err := s.aead.Open(nil, nonce, ciphertext, userID[:])
	if err != nil {
		return "", true, errSealBroken
	}
	return string(clear), true, nil
}
