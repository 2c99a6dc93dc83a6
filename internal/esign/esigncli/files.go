package esigncli

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/okno-oiv/okno/internal/esign"
)

// Size bounds of the files read whole: keys, certificates and signatures
// are kilobytes; a signature in base64 with a long chain stays well under.
const (
	maxPEMFile       = 1 << 20
	maxSignatureFile = 4 << 20
)

func readSmallFile(name string) ([]byte, error) {
	return readLimited(name, maxPEMFile)
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return data, nil
}

func readPrivateKey(name string) (*esign.PrivateKey, error) {
	data, err := readSmallFile(name)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	key, err := esign.ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return key, nil
}

// readPublicKey takes a private or a public key file, so a certificate can
// be issued for a key whose private half never reaches the CA's machine.
func readPublicKey(name string) (*esign.PublicKey, error) {
	data, err := readSmallFile(name)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	if block, _ := pem.Decode(data); block != nil && block.Type == "PUBLIC KEY" {
		pub, err := esign.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return pub, nil
	}
	key, err := esign.ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return key.Public(), nil
}

// readCertificate takes PEM or DER.
func readCertificate(name string) (*esign.Certificate, error) {
	data, err := readSmallFile(name)
	if err != nil {
		return nil, err
	}
	var cert *esign.Certificate
	if bytes.Contains(data, []byte("-----BEGIN")) {
		cert, err = esign.ParseCertificatePEM(data)
	} else {
		cert, err = esign.ParseCertificate(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cert, nil
}

// writeNewFile creates name with data and refuses to replace an existing
// file, so a key is never overwritten by mistake.
func writeNewFile(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return errors.Join(fmt.Errorf("write %s: %w", name, werr), os.Remove(name))
	}
	return nil
}

// ctxReader stops reading a large file once the command is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
