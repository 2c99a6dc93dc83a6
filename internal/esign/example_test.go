package esign_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
)

// A CA, a head's certificate with the fields of a qualified certificate, a
// detached signature of a decision and its verification against the CA.
func ExampleSignDetached() {
	caKey, err := esign.GenerateKey(rand.Reader, "TCA")
	if err != nil {
		log.Fatal(err)
	}
	caName, _ := esign.ParseName("CN=УЦ ведомства,O=Министерство,C=RU")
	now := time.Now()
	ca, err := esign.CreateCertificate(rand.Reader, &esign.Template{
		Subject: caName, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0), IsCA: true, MaxPathLen: -1,
	}, caKey.Public(), nil, caKey)
	if err != nil {
		log.Fatal(err)
	}

	headKey, _ := esign.GenerateKey(rand.Reader, "TCA")
	headName, err := esign.ParseName("SN=Петрова,GN=Анна Сергеевна,CN=Петрова Анна Сергеевна,T=Министр,SNILS=11223344595")
	if err != nil {
		log.Fatal(err)
	}
	head, err := esign.CreateCertificate(rand.Reader, &esign.Template{
		Subject: headName, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
	}, headKey.Public(), ca, caKey)
	if err != nil {
		log.Fatal(err)
	}

	decision := strings.NewReader("Решение о предоставлении услуги")
	sig, err := esign.SignDetached(decision, headKey, head)
	if err != nil {
		log.Fatal(err)
	}

	info, err := esign.VerifyDetached(strings.NewReader("Решение о предоставлении услуги"), sig,
		esign.VerifyOptions{Roots: esign.NewPool(ca)})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range info.Certificate.Subject.Fields() {
		fmt.Printf("%s: %s\n", f.Label, f.Value)
	}
	_, err = esign.VerifyDetached(strings.NewReader("Решение об отказе"), sig, esign.VerifyOptions{Roots: esign.NewPool(ca)})
	fmt.Println(errors.Is(err, esign.ErrDigestMismatch))
	// Output:
	// ФИО: Петрова Анна Сергеевна
	// СНИЛС: 11223344595
	// Должность: Министр
	// true
}

// A head's key kept under a PIN: opened only to sign; a wrong PIN is
// ErrWrongPIN, which the caller counts towards a lockout.
func ExampleSealKey() {
	key, _ := esign.GenerateKey(rand.Reader, "A")
	sealed, err := esign.SealKey(rand.Reader, key, "735921", esign.DefaultKDFParams())
	if err != nil {
		log.Fatal(err)
	}
	_, err = sealed.Open("000000")
	fmt.Println(errors.Is(err, esign.ErrWrongPIN))
	opened, err := sealed.Open("735921")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(opened.Public().Equal(key.Public()), bytes.Contains(sealed, []byte("PRIVATE")))
	// Output:
	// true
	// true false
}
