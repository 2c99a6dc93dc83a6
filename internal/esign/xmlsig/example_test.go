package xmlsig_test

import (
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/esign/xmlsig"
)

func ExampleSMEVTransform() {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<basic:MessageTypeSelector xmlns:basic="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"
    xmlns:unused="urn:unused" Id="SIGNED_BY_CALLER">
  <!-- any type -->
  <basic:Timestamp>2026-11-23T08:00:00.000+03:00</basic:Timestamp>
  <basic:NodeID/>
</basic:MessageTypeSelector>`
	if err := xmlsig.SMEVTransform(strings.NewReader(in), os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <ns1:MessageTypeSelector xmlns:ns1="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3" Id="SIGNED_BY_CALLER"><ns1:Timestamp>2026-11-23T08:00:00.000+03:00</ns1:Timestamp><ns1:NodeID></ns1:NodeID></ns1:MessageTypeSelector>
}

// An information system signs the element it sends, places the signature in the sibling
// SMEV expects, and the receiver verifies it.
func Example() {
	signer := exampleSigner()

	request := `<SendRequestRequest xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3">` +
		`<SenderProvidedRequestData Id="SIGNED_BY_CALLER"><MessageID>db0486d0-3c08-11ee-8c43-0242ac120002</MessageID></SenderProvidedRequestData>` +
		`<CallerInformationSystemSignature></CallerInformationSystemSignature></SendRequestRequest>`
	sig, err := xmlsig.Sign([]byte(request), "SIGNED_BY_CALLER", signer, signer.Cert.Raw)
	if err != nil {
		log.Fatal(err)
	}
	sent := strings.Replace(request, "<CallerInformationSystemSignature>",
		"<CallerInformationSystemSignature>"+string(sig), 1)

	cert, err := xmlsig.Verify([]byte(sent), "SIGNED_BY_CALLER", xmlsig.VerifyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed by", cert.Subject.FullName())

	tampered := strings.Replace(sent, "db0486d0", "db0486d1", 1)
	_, err = xmlsig.Verify([]byte(tampered), "SIGNED_BY_CALLER", xmlsig.VerifyOptions{Certificate: cert})
	fmt.Println(err)
	// Output:
	// signed by ИС Окно
	// xmldsig verify: reference digest mismatch: Reference #SIGNED_BY_CALLER
}

func exampleSigner() *esign.Signer {
	key, err := esign.GenerateKey(rand.Reader, "A")
	if err != nil {
		log.Fatal(err)
	}
	name, err := esign.ParseName("CN=ИС Окно")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	cert, err := esign.CreateCertificate(rand.Reader,
		&esign.Template{Subject: name, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}, key.Public(), nil, key)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := esign.NewSigner(key, cert)
	if err != nil {
		log.Fatal(err)
	}
	return signer
}
