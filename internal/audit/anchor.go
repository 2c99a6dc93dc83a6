package audit

// Anchors: the hash chain shows a changed or removed entry, but the database
// owner could rewrite the whole chain, or cut it and reset the head, and the
// chain would check out again. So now and then the agency's head (seq and
// hash) is signed with a GOST R 34.10-2012 key the database does not hold,
// and the signed anchor is kept twice: in audit_anchors, which the
// application cannot change, and in a JSON-lines file outside the database.
// Verification holds the chain against every anchor of both places.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/okno-oiv/okno/internal/database"
	"github.com/okno-oiv/okno/internal/esign"
)

// Agency is what anchoring needs to know of an agency.
type Agency struct {
	ID       uuid.UUID `db:"id"`
	Code     string    `db:"code"`
	Mnemonic string    `db:"mnemonic"` // its SMEV information system, "" if none
}

// Anchor is a signed statement that the agency's chain had Hash at Seq.
type Anchor struct {
	AgencyID    uuid.UUID `json:"agency_id" db:"agency_id"`
	Seq         int64     `json:"seq" db:"seq"`
	Hash        []byte    `json:"hash" db:"hash"`
	SignedAt    time.Time `json:"signed_at" db:"signed_at"`
	Certificate []byte    `json:"certificate" db:"certificate"` // DER
	Signature   []byte    `json:"signature" db:"signature"`     // s||r over the statement's Streebog digest
}

// statement is the text an anchor's signature covers.
func (a Anchor) statement() []byte {
	return fmt.Appendf(nil, "okno audit anchor\nagency %s\nseq %d\nhash %x\nsigned at %s\n",
		a.AgencyID, a.Seq, a.Hash, a.SignedAt.UTC().Format(time.RFC3339Nano))
}

// Keys gives the keys of anchors: the one that signs an agency's anchors
// now, and every certificate whose anchors the agency trusts.
type Keys interface {
	AnchorSigner(a Agency) (*esign.Signer, error)
	AnchorCertificates(a Agency) ([]*esign.Certificate, error)
}

// Anchors signs and checks the agencies' chain heads.
type Anchors struct {
	Pool *pgxpool.Pool
	Keys Keys
	// File is the JSON-lines copy of every anchor (one object per line);
	// empty keeps anchors only in the database.
	File string
}

// Agencies lists every agency of the installation.
func (s *Anchors) Agencies(ctx context.Context) ([]Agency, error) {
	var out []Agency
	err := database.Unscoped(ctx, s.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, code, coalesce(smev_mnemonic, '') AS mnemonic FROM agencies ORDER BY code`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Agency])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list agencies: %w", err)
	}
	return out, nil
}

// AgencyByCode finds one agency.
func (s *Anchors) AgencyByCode(ctx context.Context, code string) (Agency, error) {
	all, err := s.Agencies(ctx)
	if err != nil {
		return Agency{}, err
	}
	for _, a := range all {
		if a.Code == code {
			return a, nil
		}
	}
	return Agency{}, fmt.Errorf("audit: no agency with code %q", code)
}

// Anchor signs the agency's current head and keeps the anchor; it returns
// nil when there is nothing new to anchor (no entries, or the head is
// anchored already).
func (s *Anchors) Anchor(ctx context.Context, agency Agency) (*Anchor, error) {
	signer, err := s.Keys.AnchorSigner(agency)
	if err != nil {
		return nil, fmt.Errorf("audit: anchor key of %s: %w", agency.Code, err)
	}
	var anchor *Anchor
	err = database.InAgency(ctx, s.Pool, agency.ID, func(tx pgx.Tx) error {
		a := Anchor{AgencyID: agency.ID, Certificate: signer.Cert.Raw}
		var last int64
		err := tx.QueryRow(ctx, `SELECT h.seq, h.hash, now(), coalesce((SELECT max(seq) FROM audit_anchors), 0)
			FROM audit_heads h`).Scan(&a.Seq, &a.Hash, &a.SignedAt, &last)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (a.Seq == 0 || a.Seq == last)) {
			return nil
		}
		if err != nil {
			return err
		}
		h := signer.Hash()
		h.Write(a.statement())
		if a.Signature, err = signer.SignDigest(h.Sum(nil)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT audit_add_anchor(@seq, @hash, @signed_at, @certificate, @signature)`, pgx.NamedArgs{
			"seq": a.Seq, "hash": a.Hash, "signed_at": a.SignedAt, "certificate": a.Certificate, "signature": a.Signature,
		}); err != nil {
			return err
		}
		anchor = &a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: anchor %s: %w", agency.Code, err)
	}
	if anchor != nil && s.File != "" {
		if err := appendAnchor(s.File, *anchor); err != nil {
			return nil, fmt.Errorf("audit: anchor %s: %w", agency.Code, err)
		}
	}
	return anchor, nil
}

// Report is the state of one agency's log.
type Report struct {
	Agency   Agency
	Head     int64  // the last entry's seq
	Anchors  int    // anchors checked
	Break    *Break // the first place the chain does not check out
	Problems []string
}

// OK says the chain is intact and agrees with every anchor.
func (r Report) OK() bool { return r.Break == nil && len(r.Problems) == 0 }

// Verify checks the agency's chain and holds it against every anchor kept
// in the database and in the file: a signature that does not verify or is
// not made with a trusted certificate, an anchored entry that is gone or
// differs, an anchor the file has and the database lost.
func (s *Anchors) Verify(ctx context.Context, agency Agency) (Report, error) {
	r := Report{Agency: agency}
	trusted, err := s.Keys.AnchorCertificates(agency)
	if err != nil {
		return r, fmt.Errorf("audit: anchor certificates of %s: %w", agency.Code, err)
	}
	var filed []Anchor
	if s.File != "" {
		var bad []string
		filed, bad, err = readAnchors(s.File, agency.ID)
		if err != nil {
			return r, fmt.Errorf("audit: verify %s: %w", agency.Code, err)
		}
		r.Problems = append(r.Problems, bad...)
	}
	err = database.InAgency(ctx, s.Pool, agency.ID, func(tx pgx.Tx) error {
		var err error
		if r.Break, err = Verify(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&r.Head); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT agency_id, seq, hash, signed_at, certificate, signature FROM audit_anchors ORDER BY seq`)
		if err != nil {
			return err
		}
		stored, err := pgx.CollectRows(rows, pgx.RowToStructByName[Anchor])
		if err != nil {
			return err
		}
		all := mergeAnchors(stored, filed, &r.Problems)
		seqs := make([]int64, len(all))
		for i, a := range all {
			seqs[i] = a.Seq
		}
		rows, err = tx.Query(ctx, `SELECT seq, hash FROM audit_log WHERE seq = ANY(@seqs)`, pgx.NamedArgs{"seqs": seqs})
		if err != nil {
			return err
		}
		logged := map[int64][]byte{}
		var seq int64
		var hash []byte
		if _, err := pgx.ForEachRow(rows, []any{&seq, &hash}, func() error {
			logged[seq] = bytes.Clone(hash)
			return nil
		}); err != nil {
			return err
		}
		for _, a := range all {
			r.Anchors++
			if p := checkAnchor(a, trusted); p != "" {
				r.Problems = append(r.Problems, p)
				continue
			}
			got, ok := logged[a.Seq]
			switch {
			case !ok:
				r.Problems = append(r.Problems, fmt.Sprintf("entry %d, anchored at %s, is missing: the log was cut or rewritten", a.Seq, a.SignedAt.Format(time.RFC3339)))
			case !bytes.Equal(got, a.Hash):
				r.Problems = append(r.Problems, fmt.Sprintf("entry %d differs from its anchor of %s: the log was rewritten", a.Seq, a.SignedAt.Format(time.RFC3339)))
			}
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("audit: verify %s: %w", agency.Code, err)
	}
	return r, nil
}

// mergeAnchors joins the database's anchors and the file's, noting those
// the database lost and those the two places disagree on.
func mergeAnchors(stored, filed []Anchor, problems *[]string) []Anchor {
	bySeq := map[int64]Anchor{}
	for _, a := range stored {
		bySeq[a.Seq] = a
	}
	for _, a := range filed {
		s, ok := bySeq[a.Seq]
		switch {
		case !ok:
			*problems = append(*problems, fmt.Sprintf("anchor of entry %d (%s) is in the file but not in the database", a.Seq, a.SignedAt.Format(time.RFC3339)))
			bySeq[a.Seq] = a
		case !bytes.Equal(s.Hash, a.Hash) || !bytes.Equal(s.Signature, a.Signature):
			*problems = append(*problems, fmt.Sprintf("anchor of entry %d differs between the database and the file", a.Seq))
		}
	}
	out := make([]Anchor, 0, len(bySeq))
	for _, a := range bySeq {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// checkAnchor verifies an anchor's signature and that a trusted
// certificate made it; it returns the problem, or "".
func checkAnchor(a Anchor, trusted []*esign.Certificate) string {
	cert, err := esign.ParseCertificate(a.Certificate)
	if err != nil {
		return fmt.Sprintf("anchor of entry %d: unreadable certificate: %v", a.Seq, err)
	}
	known := false
	for _, t := range trusted {
		known = known || t.Equal(cert)
	}
	if !known {
		return fmt.Sprintf("anchor of entry %d is signed with an untrusted certificate %s", a.Seq, cert.Thumbprint())
	}
	h := cert.PublicKey.ParamSet().NewHash()
	h.Write(a.statement())
	if err := cert.VerifyDigest(h.Sum(nil), a.Signature); err != nil {
		return fmt.Sprintf("anchor of entry %d: signature does not verify: %v", a.Seq, err)
	}
	return ""
}

func appendAnchor(path string, a Anchor) error {
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open anchor file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write anchor file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write anchor file: %w", err)
	}
	return f.Close()
}

// readAnchors returns the agency's anchors in the file (none if there is
// no file yet) and a problem for every line that does not read.
func readAnchors(path string, agency uuid.UUID) ([]Anchor, []string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open anchor file: %w", err)
	}
	defer f.Close()
	var out []Anchor
	var bad []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var a Anchor
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			bad = append(bad, fmt.Sprintf("anchor file %s line %d does not read: %v", path, n, err))
			continue
		}
		if a.AgencyID == agency {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read anchor file: %w", err)
	}
	return out, bad, nil
}
