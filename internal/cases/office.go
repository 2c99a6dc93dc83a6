package cases

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/filetype"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// ServiceTypes lists the services the viewer's agency accepts, for the
// in-office intake.
func (s *Service) ServiceTypes(ctx context.Context, by *people.Principal) ([]forms.ServiceType, error) {
	if err := allowed(by, workers()...); err != nil {
		return nil, err
	}
	var out []forms.ServiceType
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) error {
		all, err := forms.List(ctx, tx)
		for _, st := range all {
			if st.Active {
				out = append(out, st)
			}
		}
		return err
	})
	return out, err
}

// ServiceType returns one active service type of the viewer's agency by code.
func (s *Service) ServiceType(ctx context.Context, by *people.Principal, code string) (forms.ServiceType, error) {
	if err := allowed(by, workers()...); err != nil {
		return forms.ServiceType{}, err
	}
	var st forms.ServiceType
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		st, err = forms.ByCode(ctx, tx, code)
		return err
	})
	if errors.Is(err, forms.ErrNotFound) || (err == nil && !st.Active) {
		return forms.ServiceType{}, ErrNotFound
	}
	return st, err
}

// StoreScan keeps a file a clerk uploads with a paper application, streamed
// into the blob store with both digests. It belongs to no case until
// RegisterOffice names it; DiscardScans removes scans of a form that was
// not accepted.
func (s *Service) StoreScan(ctx context.Context, by *people.Principal, title, fileName string, r io.Reader) (Document, error) {
	if err := allowed(by, workers()...); err != nil {
		return Document{}, err
	}
	ft, r, err := filetype.Check(r, fileName) // the type comes from the content; empty and foreign files are refused
	if err != nil {
		return Document{}, err
	}
	key := "agency/" + by.Agency.ID.String() + "/office/" + uuid.NewString() + "/" + SafeKey(fileName)
	d, err := s.StoreFile(ctx, key, r)
	if err != nil {
		return Document{}, err
	}
	d.Kind, d.Title, d.FileName, d.MimeType, d.SignatureStatus = "attachment", title, fileName, ft.MIME, "none"
	return d, nil
}

// DiscardScans removes stored scans (and their signatures) that no case took.
func (s *Service) DiscardScans(ctx context.Context, docs []Document) {
	for _, d := range docs {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), d.BlobKey) // an orphan costs only space
		if d.SignatureBlobKey != "" {
			_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), d.SignatureBlobKey)
		}
	}
}

// RegisterOffice registers a paper application typed in by a clerk, through
// the same mapping checks and the same registration as bus intake. Problems
// come back as field errors and nothing is registered.
func (s *Service) RegisterOffice(ctx context.Context, by *people.Principal, st forms.ServiceType, values map[string]string, scans []Document) (Case, error) {
	if err := allowed(by, workers()...); err != nil {
		return Case{}, err
	}
	app, errs := st.MapOfficeForm(values)
	if err := errs.Err(); err != nil {
		return Case{}, err
	}
	var c Case
	err := s.inAgency(ctx, by.Agency.ID, func(tx pgx.Tx) (err error) {
		c, err = s.Register(ctx, tx, Registration{AgencyID: by.Agency.ID, ServiceType: st, Application: app,
			ReceivedAt: s.Now().Truncate(time.Second), Documents: scans, Actor: PersonActor(by)})
		return err
	})
	return c, err
}
