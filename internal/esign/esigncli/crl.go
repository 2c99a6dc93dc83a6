package esigncli

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
)

type crlReason struct {
	name string
	code int
}

// crlReasons are the CRLReason codes (RFC 5280 5.3.1) an administrator
// names with -reason.
var crlReasons = []crlReason{
	{"unspecified", 0}, {"keyCompromise", 1}, {"caCompromise", 2}, {"affiliationChanged", 3},
	{"superseded", 4}, {"cessationOfOperation", 5},
}

func runCRL(_ context.Context, e *env, args []string) int {
	var names []string
	for _, r := range crlReasons {
		names = append(names, r.name)
	}
	fs := e.flagSet("crl", "crl -ca-key ca-key.pem -ca-cert ca.crt -out ca.crl [-in ca.crl] [-revoke user.crt|СЕРИЙНЫЙ_НОМЕР ...] [-reason R] [-days N]\n\n"+
		"Выпускает список отозванных сертификатов (CRL, PEM), подписанный УЦ. С -in сохраняет\n"+
		"отзывы из прежнего списка (его подпись проверяется); -revoke (можно несколько раз)\n"+
		"добавляет сертификат — файлом или серийным номером в hex, как его показывает show.\n"+
		"Номер списка всегда больше прежнего. Файл -out заменяется целиком, так что сервер,\n"+
		"читающий его, не увидит половину списка.")
	caKeyFile := fs.String("ca-key", "", "закрытый ключ УЦ (PEM)")
	caCertFile := fs.String("ca-cert", "", "сертификат УЦ (PEM)")
	in := fs.String("in", "", "прежний список отзыва УЦ (PEM или DER)")
	out := fs.String("out", "", "файл для списка отзыва (PEM)")
	var revoke listFlag
	fs.Var(&revoke, "revoke", "отзываемый сертификат: файл (PEM или DER) или серийный номер в hex")
	reason := fs.String("reason", "unspecified", "причина отзыва: "+strings.Join(names, ", "))
	days := fs.Int("days", 7, "через сколько дней выйдет следующий список (nextUpdate)")
	if code, ok := e.parse(fs, args, "ca-key", "ca-cert", "out"); !ok {
		return code
	}
	i := slices.IndexFunc(crlReasons, func(r crlReason) bool { return strings.EqualFold(r.name, *reason) })
	if i < 0 {
		return e.fail("crl: -reason", fmt.Errorf("unknown reason %q, want one of %s", *reason, strings.Join(names, ", ")))
	}
	if *days < 1 || *days > 366 {
		return e.fail("crl", fmt.Errorf("-days %d: want 1..366", *days))
	}
	caKey, err := readPrivateKey(*caKeyFile)
	if err != nil {
		return e.fail("crl: -ca-key", err)
	}
	caCert, err := readCertificate(*caCertFile)
	if err != nil {
		return e.fail("crl: -ca-cert", err)
	}
	now := time.Now().Add(-time.Minute) // slack for the clocks of the checking machines
	tpl := &esign.CRLTemplate{ThisUpdate: now, NextUpdate: now.AddDate(0, 0, *days), Number: big.NewInt(now.Unix())}
	if *in != "" {
		prev, err := readCRL(*in, caCert)
		if err != nil {
			return e.fail("crl: -in", err)
		}
		tpl.Revoked = prev.Revoked
		if prev.Number != nil && prev.Number.Cmp(tpl.Number) >= 0 {
			tpl.Number = new(big.Int).Add(prev.Number, big.NewInt(1))
		}
	}
	for _, r := range revoke {
		serial, err := revokedSerial(r)
		if err != nil {
			return e.fail("crl: -revoke", err)
		}
		if slices.ContainsFunc(tpl.Revoked, func(x esign.RevokedCertificate) bool { return x.SerialNumber.Cmp(serial) == 0 }) {
			continue // revoked before; the first revocation time stands
		}
		tpl.Revoked = append(tpl.Revoked, esign.RevokedCertificate{SerialNumber: serial, RevocationTime: now, Reason: crlReasons[i].code})
	}
	crl, err := esign.CreateCRL(rand.Reader, tpl, caCert, caKey)
	if err != nil {
		return e.fail("crl", err)
	}
	if err := replaceFile(*out, crl.MarshalPEM()); err != nil {
		return e.fail("crl", err)
	}
	fmt.Fprintf(e.stdout, "Список отзыва №%d записан в %s: отозвано сертификатов — %d, следующий список до %s\n",
		crl.Number, *out, len(crl.Revoked), crl.NextUpdate.UTC().Format(time.RFC3339))
	for _, r := range crl.Revoked {
		fmt.Fprintf(e.stdout, "  %X отозван %s\n", r.SerialNumber, r.RevocationTime.UTC().Format(time.RFC3339))
	}
	return exitOK
}

// readCRL reads a CRL and checks that ca signed it, so a list that is not
// the CA's never passes its entries on.
func readCRL(name string, ca *esign.Certificate) (*esign.CRL, error) {
	data, err := readLimited(name, 64<<20)
	if err != nil {
		return nil, err
	}
	crl, err := esign.ParseCRL(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := crl.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return crl, nil
}

// revokedSerial takes a certificate file or a hex serial number.
func revokedSerial(s string) (*big.Int, error) {
	if _, err := os.Stat(s); err == nil {
		cert, err := readCertificate(s)
		if err != nil {
			return nil, err
		}
		return cert.SerialNumber, nil
	}
	hex := strings.ReplaceAll(strings.TrimPrefix(strings.ToLower(s), "0x"), ":", "")
	serial, ok := new(big.Int).SetString(hex, 16)
	if !ok || serial.Sign() <= 0 {
		return nil, fmt.Errorf("%q is neither a certificate file nor a hex serial number", s)
	}
	return serial, nil
}

// replaceFile writes data to a temporary file beside name and renames it
// over name, so a reader sees the old file or the new one, never half.
func replaceFile(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, werr)
	}
	return nil
}

// listFlag collects every value of a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
