package esigncli

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
)

func runKeygen(_ context.Context, e *env, args []string) int {
	fs := e.flagSet("keygen", "keygen -out key.pem [-paramset A]\n\n"+
		"Создаёт закрытый ключ ГОСТ Р 34.10-2012 и пишет его в PEM (\"PRIVATE KEY\"), который\n"+
		"читает OpenSSL с движком gost. Существующий файл не перезаписывается.\n"+
		"Наборы параметров (имена как у OpenSSL, -pkeyopt paramset:; 512A..512C — gost2012_512 A..C):"+
		paramSetNames()+"\n")
	out := fs.String("out", "", "файл для закрытого ключа (создаётся с правами 0600)")
	paramSet := fs.String("paramset", "A", "набор параметров кривой")
	if code, ok := e.parse(fs, args, "out"); !ok {
		return code
	}
	key, err := esign.GenerateKey(rand.Reader, *paramSet)
	if err != nil {
		return e.fail("keygen", err)
	}
	pemBytes, err := key.MarshalPEM()
	if err != nil {
		return e.fail("keygen", err)
	}
	defer clear(pemBytes)
	if err := writeNewFile(*out, pemBytes, 0o600); err != nil {
		return e.fail("keygen", err)
	}
	p := key.ParamSet()
	fmt.Fprintf(e.stdout, "Ключ %d бит (%s) записан в %s\n", p.Size*8, p.Description, *out)
	return exitOK
}

func runCA(_ context.Context, e *env, args []string) int {
	fs := e.flagSet("ca", "ca -key ca-key.pem -subject \"CN=...,O=...\" -out ca.crt [-days N]\n\n"+
		"Выпускает самоподписанный сертификат удостоверяющего центра на ключ -key.")
	keyFile := fs.String("key", "", "закрытый ключ УЦ (PEM)")
	subject := fs.String("subject", "", "имя УЦ, например \"CN=УЦ ведомства,O=Министерство,C=RU\"")
	out := fs.String("out", "", "файл для сертификата (PEM)")
	days := fs.Int("days", 3650, "срок действия в днях")
	if code, ok := e.parse(fs, args, "key", "subject", "out"); !ok {
		return code
	}
	key, err := readPrivateKey(*keyFile)
	if err != nil {
		return e.fail("ca", err)
	}
	name, err := esign.ParseName(*subject)
	if err != nil {
		return e.fail("ca: -subject", err)
	}
	tpl, err := validity(*days)
	if err != nil {
		return e.fail("ca", err)
	}
	tpl.Subject, tpl.IsCA, tpl.MaxPathLen = name, true, -1
	cert, err := esign.CreateCertificate(rand.Reader, tpl, key.Public(), nil, key)
	if err != nil {
		return e.fail("ca", err)
	}
	if err := os.WriteFile(*out, cert.MarshalPEM(), 0o644); err != nil {
		return e.fail("ca", err)
	}
	fmt.Fprintf(e.stdout, "Сертификат УЦ %q записан в %s, действует до %s\n", cert.Subject.String(), *out, cert.NotAfter.UTC().Format(time.DateOnly))
	return exitOK
}

func runIssue(_ context.Context, e *env, args []string) int {
	fs := e.flagSet("issue", "issue -ca-key ca-key.pem -ca-cert ca.crt -key user.pem -subject \"CN=...\" "+
		"[-snils ... -inn ... -innle ... -ogrn ... -ogrnip ... -title ... -org ...] -out user.crt [-days N] [-ca]\n\n"+
		"Выпускает сертификат на ключ -key (закрытый или открытый, PEM), подписанный УЦ.\n"+
		"СНИЛС, ИНН, ОГРН проверяются по контрольным цифрам.")
	caKeyFile := fs.String("ca-key", "", "закрытый ключ УЦ (PEM)")
	caCertFile := fs.String("ca-cert", "", "сертификат УЦ (PEM)")
	keyFile := fs.String("key", "", "ключ владельца: \"PRIVATE KEY\" или \"PUBLIC KEY\" (PEM)")
	subject := fs.String("subject", "", "имя владельца, например \"SN=Иванов,GN=Иван Иванович,CN=Иванов Иван Иванович\"")
	snils := fs.String("snils", "", "СНИЛС, 11 цифр")
	inn := fs.String("inn", "", "ИНН физического лица, 12 цифр")
	innle := fs.String("innle", "", "ИНН юридического лица, 10 цифр")
	ogrn := fs.String("ogrn", "", "ОГРН, 13 цифр")
	ogrnip := fs.String("ogrnip", "", "ОГРНИП, 15 цифр")
	title := fs.String("title", "", "должность")
	org := fs.String("org", "", "организация")
	out := fs.String("out", "", "файл для сертификата (PEM)")
	days := fs.Int("days", 365, "срок действия в днях (не дольше сертификата УЦ)")
	isCA := fs.Bool("ca", false, "выпустить сертификат подчинённого УЦ")
	if code, ok := e.parse(fs, args, "ca-key", "ca-cert", "key", "subject", "out"); !ok {
		return code
	}
	caKey, err := readPrivateKey(*caKeyFile)
	if err != nil {
		return e.fail("issue: -ca-key", err)
	}
	caCert, err := readCertificate(*caCertFile)
	if err != nil {
		return e.fail("issue: -ca-cert", err)
	}
	pub, err := readPublicKey(*keyFile)
	if err != nil {
		return e.fail("issue: -key", err)
	}
	name, err := esign.ParseName(*subject)
	if err != nil {
		return e.fail("issue: -subject", err)
	}
	extra := []struct {
		value *string
		oid   asn1.ObjectIdentifier
	}{
		{title, esign.OIDTitle}, {org, esign.OIDOrganization}, {snils, esign.OIDSNILS}, {inn, esign.OIDINN},
		{innle, esign.OIDINNLE}, {ogrn, esign.OIDOGRN}, {ogrnip, esign.OIDOGRNIP},
	}
	for _, x := range extra {
		if *x.value == "" {
			continue
		}
		if err := name.Add(x.oid, *x.value); err != nil {
			return e.fail("issue", err)
		}
	}
	tpl, err := validity(*days)
	if err != nil {
		return e.fail("issue", err)
	}
	tpl.Subject, tpl.IsCA, tpl.MaxPathLen = name, *isCA, -1
	if tpl.NotAfter.After(caCert.NotAfter) {
		tpl.NotAfter = caCert.NotAfter // never outlive the issuer
	}
	cert, err := esign.CreateCertificate(rand.Reader, tpl, pub, caCert, caKey)
	if err != nil {
		return e.fail("issue", err)
	}
	if err := os.WriteFile(*out, cert.MarshalPEM(), 0o644); err != nil {
		return e.fail("issue", err)
	}
	fmt.Fprintf(e.stdout, "Сертификат записан в %s, действует до %s\n", *out, cert.NotAfter.UTC().Format(time.DateOnly))
	printFields(e.stdout, cert)
	return exitOK
}

func runShow(_ context.Context, e *env, args []string) int {
	fs := e.flagSet("show", "show -cert user.crt\n\nПоказывает владельца, издателя, срок действия и ключ сертификата.")
	certFile := fs.String("cert", "", "сертификат (PEM или DER)")
	if code, ok := e.parse(fs, args, "cert"); !ok {
		return code
	}
	cert, err := readCertificate(*certFile)
	if err != nil {
		return e.fail("show", err)
	}
	printFields(e.stdout, cert)
	return exitOK
}

func runSign(ctx context.Context, e *env, args []string) int {
	fs := e.flagSet("sign", "sign -file F -key key.pem -cert cert.pem -out F.sig\n\n"+
		"Подписывает файл отсоединённой подписью CMS (DER) с сертификатом подписанта\n"+
		"и подписанными атрибутами (тип содержимого, время подписи, хэш, signing-certificate-v2).")
	file := fs.String("file", "", "подписываемый файл")
	keyFile := fs.String("key", "", "закрытый ключ (PEM)")
	certFile := fs.String("cert", "", "сертификат подписанта (PEM)")
	out := fs.String("out", "", "файл для подписи (DER)")
	if code, ok := e.parse(fs, args, "file", "key", "cert", "out"); !ok {
		return code
	}
	key, err := readPrivateKey(*keyFile)
	if err != nil {
		return e.fail("sign: -key", err)
	}
	cert, err := readCertificate(*certFile)
	if err != nil {
		return e.fail("sign: -cert", err)
	}
	f, err := os.Open(*file)
	if err != nil {
		return e.fail("sign", err)
	}
	defer f.Close()
	sig, err := esign.SignDetached(ctxReader{ctx, f}, key, cert)
	if err != nil {
		return e.fail("sign", err)
	}
	if err := os.WriteFile(*out, sig, 0o644); err != nil {
		return e.fail("sign", err)
	}
	fmt.Fprintf(e.stdout, "Подпись %s записана в %s\n", *file, *out)
	return exitOK
}

func runVerify(ctx context.Context, e *env, args []string) int {
	fs := e.flagSet("verify", "verify -file F -sig F.sig [-roots roots.pem [-crl ca.crl ...]]\n\n"+
		"Проверяет отсоединённую подпись CMS (DER, PEM или base64). С -roots проверяет и цепочку\n"+
		"сертификата подписанта до доверенных корневых сертификатов; с -crl (файл или http-адрес,\n"+
		"можно несколько раз) ещё и отзыв, как сервер, и пишет один из трёх итогов проверки.\n"+
		"Код выхода 0 — подпись верна (с -crl: и сертификат доверенный), 1 — нет (причина в stderr).")
	file := fs.String("file", "", "подписанный файл")
	sigFile := fs.String("sig", "", "файл подписи")
	rootsFile := fs.String("roots", "", "доверенные корневые сертификаты (PEM, можно несколько)")
	var crls listFlag
	fs.Var(&crls, "crl", "список отзыва: файл или http(s)-адрес")
	if code, ok := e.parse(fs, args, "file", "sig"); !ok {
		return code
	}
	if len(crls) > 0 && *rootsFile == "" {
		fmt.Fprintln(e.stderr, "esign verify: -crl требует -roots")
		return exitUsage
	}
	sig, err := readLimited(*sigFile, maxSignatureFile)
	if err != nil {
		return e.fail("verify", err)
	}
	var opts esign.VerifyOptions
	if *rootsFile != "" {
		data, err := os.ReadFile(*rootsFile)
		if err != nil {
			return e.fail("verify: -roots", err)
		}
		if opts.Roots, err = esign.ParsePoolPEM(data); err != nil {
			return e.fail("verify: -roots", err)
		}
	}
	f, err := os.Open(*file)
	if err != nil {
		return e.fail("verify", err)
	}
	defer f.Close()
	if len(crls) > 0 {
		return verifyTrusted(ctx, e, ctxReader{ctx, f}, sig, esign.TrustConfig{Roots: opts.Roots, CRLs: crls})
	}
	info, err := esign.VerifyDetached(ctxReader{ctx, f}, sig, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "Подпись НЕДЕЙСТВИТЕЛЬНА: %s\n", reason(err))
		return exitFail
	}
	fmt.Fprintln(e.stdout, "Подпись действительна")
	printSigningTime(e.stdout, info)
	if opts.Roots == nil {
		fmt.Fprintln(e.stdout, "Цепочка сертификата не проверялась (не задан -roots)")
	} else {
		fmt.Fprintf(e.stdout, "Цепочка до доверенного УЦ %q проверена\n", info.Chain[len(info.Chain)-1].Subject.FullName())
	}
	printFields(e.stdout, info.Certificate)
	return exitOK
}

// verifyTrusted gives the verdict the server's trust store gives.
func verifyTrusted(ctx context.Context, e *env, doc io.Reader, sig []byte, cfg esign.TrustConfig) int {
	store, err := esign.NewTrustStore(cfg)
	if err != nil {
		return e.fail("verify", err)
	}
	v, err := store.VerifyDetached(ctx, doc, sig, esign.TrustOptions{})
	if err != nil {
		return e.fail("verify", err)
	}
	out, code := e.stdout, exitOK
	if v.Verdict != esign.VerdictTrusted {
		out, code = e.stderr, exitFail
	}
	fmt.Fprintln(out, v.Message())
	if v.Detail != "" {
		fmt.Fprintf(out, "Подробно: %s\n", strings.TrimPrefix(v.Detail, "esign: "))
	}
	if v.Signer != nil {
		printSigningTime(out, v.Signer)
		printFields(out, v.Signer.Certificate)
	}
	return code
}

func printSigningTime(w io.Writer, info *esign.SignerInfo) {
	if !info.SigningTime.IsZero() {
		fmt.Fprintf(w, "Время подписи (по часам подписанта): %s\n", info.SigningTime.UTC().Format(time.RFC3339))
	}
}

func runSMEVTransform(ctx context.Context, e *env, args []string) int {
	fs := e.flagSet("smev-transform", "smev-transform < in.xml > out.xml\n\n"+
		"Применяет преобразование urn://smev-gov-ru/xmldsig/transform к корневому элементу XML из stdin.")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if err := xmlsig.SMEVTransform(ctxReader{ctx, e.stdin}, e.stdout); err != nil {
		return e.fail("smev-transform", err)
	}
	return exitOK
}

// printFields shows a certificate the way an administrator reads it.
func printFields(w io.Writer, c *esign.Certificate) {
	fmt.Fprintln(w, "Владелец:")
	for _, f := range c.Subject.Fields() {
		fmt.Fprintf(w, "  %s: %s\n", f.Label, f.Value)
	}
	fmt.Fprintf(w, "Издатель: %s\n", c.Issuer.String())
	fmt.Fprintf(w, "Серийный номер: %X\n", c.SerialNumber)
	fmt.Fprintf(w, "Отпечаток (SHA-1): %s\n", c.Thumbprint())
	fmt.Fprintf(w, "Действует: с %s по %s\n", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	p := c.PublicKey.ParamSet()
	fmt.Fprintf(w, "Ключ: ГОСТ Р 34.10-2012, %d бит, %s\n", p.Size*8, p.Description)
}

// paramSetNames lists the parameter sets, one per line, with the names
// OpenSSL's gost engine uses (-pkeyopt paramset:) and the standard's names.
func paramSetNames() string {
	var b strings.Builder
	for _, p := range esign.ParamSets() {
		fmt.Fprintf(&b, "\n  %-5s %d бит, %s", p.Name, p.Size*8, p.Description)
	}
	return b.String()
}

func validity(days int) (*esign.Template, error) {
	if days < 1 || days > 100*365 {
		return nil, fmt.Errorf("-days %d: want 1..36500", days)
	}
	// A minute of slack for clocks of the machines that will check it.
	now := time.Now().Add(-time.Minute)
	return &esign.Template{NotBefore: now, NotAfter: now.AddDate(0, 0, days)}, nil
}
