package bus

import (
	"fmt"
	"slices"
	"strings"
)

// System is an information system registered with the bus: the mnemonic
// SMEV routes by, the name MessageMetadata shows and the certificate its
// ЭП-ОВ is made with.
type System struct {
	Mnemonic    string
	Name        string
	Certificate []byte // DER
}

// Registry finds registered systems by mnemonic and by certificate.
type Registry struct {
	byMnemonic map[string]*System
	byCert     map[string]*System
}

// NewRegistry registers systems; mnemonics and certificates must be unique.
// A system without a certificate can only act in-process (the stand's own
// participants).
func NewRegistry(systems ...System) (*Registry, error) {
	r := &Registry{byMnemonic: map[string]*System{}, byCert: map[string]*System{}}
	for i := range systems {
		s := systems[i]
		if s.Mnemonic == "" {
			return nil, fmt.Errorf("register system %q: empty mnemonic", s.Name)
		}
		if _, dup := r.byMnemonic[s.Mnemonic]; dup {
			return nil, fmt.Errorf("register system %s: mnemonic registered twice", s.Mnemonic)
		}
		r.byMnemonic[s.Mnemonic] = &s
		if len(s.Certificate) == 0 {
			continue
		}
		if other, dup := r.byCert[string(s.Certificate)]; dup {
			return nil, fmt.Errorf("register system %s: certificate already registered for %s", s.Mnemonic, other.Mnemonic)
		}
		r.byCert[string(s.Certificate)] = &s
	}
	return r, nil
}

// ByMnemonic returns the system with this mnemonic.
func (r *Registry) ByMnemonic(m string) (*System, bool) {
	s, ok := r.byMnemonic[m]
	return s, ok
}

// ByCertificate returns the system whose certificate is exactly der.
func (r *Registry) ByCertificate(der []byte) (*System, bool) {
	s, ok := r.byCert[string(der)]
	return s, ok
}

// List returns the registered systems ordered by mnemonic.
func (r *Registry) List() []System {
	out := make([]System, 0, len(r.byMnemonic))
	for _, s := range r.byMnemonic {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b System) int { return strings.Compare(a.Mnemonic, b.Mnemonic) })
	return out
}
