package esign

import (
	"encoding/asn1"
	"fmt"
	"hash"

	"github.com/okno-oiv/okno/internal/esign/streebog"
)

// NewHash returns the Streebog hash that goes with keys of this parameter
// set: 256-bit for 256-bit keys, 512-bit for 512-bit keys.
func (p ParamSet) NewHash() hash.Hash {
	if p.Size == 64 {
		return streebog.New512()
	}
	return streebog.New256()
}

// hashByOID returns a Streebog hash for a digest AlgorithmIdentifier OID.
func hashByOID(oid asn1.ObjectIdentifier) (hash.Hash, error) {
	switch {
	case oid.Equal(oidStreebog256):
		return streebog.New256(), nil
	case oid.Equal(oidStreebog512):
		return streebog.New512(), nil
	}
	return nil, fmt.Errorf("esign: %w: digest algorithm %s is not GOST R 34.11-2012", ErrUnsupportedAlgorithm, oid)
}
