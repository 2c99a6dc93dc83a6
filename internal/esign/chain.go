package esign

import (
	"bytes"
	"fmt"
	"os"
	"time"
)

// maxChainLength bounds path building; real qualified chains are 2-3 long.
const maxChainLength = 8

// Pool is a set of certificates: trusted roots, or intermediates that may
// help build a chain.
type Pool struct {
	certs []*Certificate
}

// NewPool returns a pool holding certs.
func NewPool(certs ...*Certificate) *Pool {
	p := &Pool{}
	for _, c := range certs {
		p.Add(c)
	}
	return p
}

// ParsePoolPEM reads a pool from PEM certificates (e.g. a roots file).
func ParsePoolPEM(pemBytes []byte) (*Pool, error) {
	certs, err := ParseCertificatesPEM(pemBytes)
	if err != nil {
		return nil, err
	}
	return NewPool(certs...), nil
}

// ReadPoolFile reads a bundle of PEM certificates from a file, such as the
// installation's configured trusted roots.
func ReadPoolFile(path string) (*Pool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("esign: certificate bundle: %w", err)
	}
	p, err := ParsePoolPEM(data)
	if err != nil {
		return nil, wrap("certificate bundle "+path, err)
	}
	return p, nil
}

// Add puts a certificate into the pool once.
func (p *Pool) Add(c *Certificate) {
	if !p.Contains(c) {
		p.certs = append(p.certs, c)
	}
}

// Contains tells whether the very certificate is in the pool.
func (p *Pool) Contains(c *Certificate) bool {
	if p == nil {
		return false
	}
	for _, x := range p.certs {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// issuersOf returns the pool's certificates whose subject is c's issuer and,
// when both say, whose key identifier matches.
func (p *Pool) issuersOf(c *Certificate) []*Certificate {
	if p == nil {
		return nil
	}
	var out []*Certificate
	for _, x := range p.certs {
		if !bytes.Equal(x.RawSubject, c.RawIssuer) {
			continue
		}
		if len(c.AuthorityKeyID) > 0 && len(x.SubjectKeyID) > 0 && !bytes.Equal(c.AuthorityKeyID, x.SubjectKeyID) {
			continue
		}
		out = append(out, x)
	}
	return out
}

// ChainOptions says what to trust and when.
type ChainOptions struct {
	// Roots are the trusted certification authorities; required.
	Roots *Pool
	// Intermediates may be used to build the chain but are not trusted.
	Intermediates *Pool
	// At is the time the chain must be valid at; zero means now.
	At time.Time
}

// Verify builds a chain from c to one of opts.Roots and checks each link:
// validity period at opts.At, basic constraints and key usage of every
// issuer, path length limits, critical extensions and the signature. It
// returns the chain, c first and the root last.
func (c *Certificate) Verify(opts ChainOptions) ([]*Certificate, error) {
	if opts.Roots == nil || len(opts.Roots.certs) == 0 {
		return nil, fmt.Errorf("esign: %w: no trusted roots configured", ErrUntrusted)
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	if err := checkLink(c, at); err != nil {
		return nil, err
	}
	chain, err := buildChain([]*Certificate{c}, opts, at)
	if err != nil {
		return nil, err
	}
	return chain, nil
}

// buildChain extends chain (its last element already checked) upwards,
// trying each candidate issuer, and returns the first complete chain.
func buildChain(chain []*Certificate, opts ChainOptions, at time.Time) ([]*Certificate, error) {
	last := chain[len(chain)-1]
	if opts.Roots.Contains(last) {
		return chain, nil
	}
	if len(chain) >= maxChainLength {
		return nil, fmt.Errorf("esign: %w: chain longer than %d", ErrUntrusted, maxChainLength)
	}
	candidates := append(opts.Roots.issuersOf(last), opts.Intermediates.issuersOf(last)...)
	if len(candidates) == 0 {
		return nil, fmt.Errorf("esign: %w: no issuer %q found for %q", ErrUntrusted, last.Issuer.String(), last.Subject.FullName())
	}
	var firstErr error
	for _, parent := range candidates {
		err := checkIssuer(parent, last, chain, at)
		if err == nil {
			var full []*Certificate
			full, err = buildChain(append(chain[:len(chain):len(chain)], parent), opts, at)
			if err == nil {
				return full, nil
			}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// checkLink checks what every certificate of a chain must satisfy on its own.
func checkLink(c *Certificate, at time.Time) error {
	if err := c.CheckValidity(at); err != nil {
		return err
	}
	if len(c.UnhandledCritical) > 0 {
		return fmt.Errorf("esign: %w: %q has unknown critical extension %s", ErrUntrusted, c.Subject.FullName(), c.UnhandledCritical[0])
	}
	return nil
}

// checkIssuer checks that parent may issue child, given the chain below.
func checkIssuer(parent, child *Certificate, chain []*Certificate, at time.Time) error {
	for _, x := range chain {
		if x.Equal(parent) {
			return fmt.Errorf("esign: %w: certificate loop at %q", ErrUntrusted, parent.Subject.FullName())
		}
	}
	if err := checkLink(parent, at); err != nil {
		return err
	}
	if !parent.BasicConstraintsValid || !parent.IsCA {
		return fmt.Errorf("esign: %w: issuer %q is not a certification authority", ErrKeyUsage, parent.Subject.FullName())
	}
	if parent.HasKeyUsage && parent.KeyUsage&KeyUsageCertSign == 0 {
		return fmt.Errorf("esign: %w: issuer %q may not sign certificates", ErrKeyUsage, parent.Subject.FullName())
	}
	// CAs below parent in the chain (not counting the leaf and self-issued ones).
	below := 0
	for _, x := range chain[1:] {
		if !bytes.Equal(x.RawSubject, x.RawIssuer) {
			below++
		}
	}
	if parent.MaxPathLen >= 0 && below > parent.MaxPathLen {
		return fmt.Errorf("esign: %w: path length %d exceeds %d allowed by %q", ErrUntrusted, below, parent.MaxPathLen, parent.Subject.FullName())
	}
	return child.CheckSignatureFrom(parent)
}
