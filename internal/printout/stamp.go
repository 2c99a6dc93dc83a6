package printout

import (
	"fmt"

	"github.com/okno-oiv/okno/internal/esign"
)

// StampOf is the stamp of a signing certificate; onBehalfOf names the head
// a deputy signs for, or is empty. The validity is in UTC; callers showing
// an agency's local dates convert it with In.
func StampOf(cert *esign.Certificate, onBehalfOf string) Stamp {
	return Stamp{
		Serial:     fmt.Sprintf("%X", cert.SerialNumber),
		Owner:      cert.Subject.FullName(),
		NotBefore:  cert.NotBefore.UTC(),
		NotAfter:   cert.NotAfter.UTC(),
		OnBehalfOf: onBehalfOf,
	}
}
