package esign

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// KDFParams are the argon2id costs used to turn a PIN into a sealing key.
// They are stored with each sealed key, so raising them later does not
// strand keys sealed earlier.
type KDFParams struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultKDFParams follow RFC 9106's second recommended option (64 MiB,
// 3 passes), which takes a fraction of a second per signing on one core.
func DefaultKDFParams() KDFParams {
	return KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 2}
}

// Upper bounds on stored KDF costs: a tampered record must not make Open
// allocate gigabytes or spin for minutes.
const (
	maxKDFMemoryKiB = 1 << 20
	maxKDFTime      = 16
	// MinPINLength is the shortest PIN SealKey accepts.
	MinPINLength = 6
)

const (
	sealedKeyVersion = 1
	saltSize         = 16
)

// SealedKey is a person's private key encrypted under their PIN: the record
// Okno stores for the "cloud signature" model. It is opaque DER:
//
//	SEQUENCE { version INTEGER, salt OCTET STRING, time INTEGER,
//	           memoryKiB INTEGER, threads INTEGER,
//	           nonce OCTET STRING, ciphertext OCTET STRING }
//
// The ciphertext is AES-256-GCM over the PKCS#8 key, with everything before
// the nonce as additional data so the costs cannot be swapped.
type SealedKey []byte

// SealKey encrypts key under pin with a fresh salt and nonce.
func SealKey(random io.Reader, key *PrivateKey, pin string, kdf KDFParams) (SealedKey, error) {
	if random == nil {
		random = rand.Reader
	}
	if utf8.RuneCountInString(pin) < MinPINLength {
		return nil, fmt.Errorf("esign: seal key: %w: PIN shorter than %d characters", ErrMalformed, MinPINLength)
	}
	if err := kdf.check(); err != nil {
		return nil, fmt.Errorf("esign: seal key: %w", err)
	}
	salt := make([]byte, saltSize)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, fmt.Errorf("esign: seal key: salt: %w", err)
	}
	header := sealedHeader(salt, kdf)
	aead, err := pinCipher(pin, salt, kdf)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, fmt.Errorf("esign: seal key: nonce: %w", err)
	}
	plain, err := key.MarshalPKCS8()
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	ct := aead.Seal(nil, nonce, plain, header)

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(header)
		b.AddASN1OctetString(nonce)
		b.AddASN1OctetString(ct)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("esign: seal key: encode: %w", err)
	}
	return out, nil
}

// Open decrypts the key. A wrong PIN returns ErrWrongPIN (as does a record
// altered after sealing: GCM cannot tell the two apart); a record that does
// not parse returns ErrMalformed. Callers should drop the key right after
// signing; SignDetached does that for them.
func (s SealedKey) Open(pin string) (*PrivateKey, error) {
	in := cryptobyte.String(s)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("esign: sealed key: %w: not a sealed key record", ErrMalformed)
	}
	headerStart := seq
	var version, t, mem, threads int64
	var salt, nonce, ct []byte
	if !seq.ReadASN1Integer(&version) || !seq.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1Integer(&t) || !seq.ReadASN1Integer(&mem) || !seq.ReadASN1Integer(&threads) {
		return nil, fmt.Errorf("esign: sealed key: %w: header", ErrMalformed)
	}
	header := headerStart[:len(headerStart)-len(seq)]
	if !seq.ReadASN1Bytes(&nonce, cbasn1.OCTET_STRING) || !seq.ReadASN1Bytes(&ct, cbasn1.OCTET_STRING) || !seq.Empty() {
		return nil, fmt.Errorf("esign: sealed key: %w: body", ErrMalformed)
	}
	if version != sealedKeyVersion {
		return nil, fmt.Errorf("esign: sealed key: %w: version %d", ErrMalformed, version)
	}
	if t < 1 || t > maxKDFTime || mem < 8 || mem > maxKDFMemoryKiB || threads < 1 || threads > 255 || len(salt) < 8 {
		return nil, fmt.Errorf("esign: sealed key: %w: KDF parameters out of range", ErrMalformed)
	}
	kdf := KDFParams{Time: uint32(t), MemoryKiB: uint32(mem), Threads: uint8(threads)}
	aead, err := pinCipher(pin, salt, kdf)
	if err != nil {
		return nil, err
	}
	if len(nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("esign: sealed key: %w: nonce of %d bytes", ErrMalformed, len(nonce))
	}
	plain, err := aead.Open(nil, nonce, ct, header)
	if err != nil {
		return nil, fmt.Errorf("esign: sealed key: %w", ErrWrongPIN)
	}
	defer clear(plain)
	key, err := ParsePKCS8PrivateKey(plain)
	if err != nil {
		return nil, wrap("sealed key", err)
	}
	return key, nil
}

// SignDetached opens the key with pin, makes a detached CMS signature of the
// document read from r with cert, and lets the key go.
func (s SealedKey) SignDetached(r io.Reader, pin string, cert *Certificate) ([]byte, error) {
	key, err := s.Open(pin)
	if err != nil {
		return nil, err
	}
	return SignDetached(r, key, cert)
}

func (k KDFParams) check() error {
	if k.Time < 1 || k.Time > maxKDFTime || k.MemoryKiB < 8 || k.MemoryKiB > maxKDFMemoryKiB || k.Threads < 1 {
		return fmt.Errorf("%w: KDF parameters %+v out of range", ErrMalformed, k)
	}
	return nil
}

func sealedHeader(salt []byte, kdf KDFParams) []byte {
	var b cryptobyte.Builder
	b.AddASN1Int64(sealedKeyVersion)
	b.AddASN1OctetString(salt)
	b.AddASN1Int64(int64(kdf.Time))
	b.AddASN1Int64(int64(kdf.MemoryKiB))
	b.AddASN1Int64(int64(kdf.Threads))
	return b.BytesOrPanic()
}

func pinCipher(pin string, salt []byte, kdf KDFParams) (cipher.AEAD, error) {
	k := argon2.IDKey([]byte(pin), salt, kdf.Time, kdf.MemoryKiB, kdf.Threads, 32)
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("esign: sealing cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("esign: sealing cipher: %w", err)
	}
	return aead, nil
}
