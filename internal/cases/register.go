package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/okno-oiv/okno/internal/audit"
	"github.com/okno-oiv/okno/internal/calendar"
	"github.com/okno-oiv/okno/internal/forms"
	"github.com/okno-oiv/okno/internal/people"
)

// Registration is everything one registration needs; both channels (bus
// intake in package intake and the office form here) build one and call
// Register.
type Registration struct {
	AgencyID     uuid.UUID
	ServiceType  forms.ServiceType
	Application  forms.Application
	ReceivedAt   time.Time
	BusMessageID string // empty for the office
	ReplyTo      string // the bus's return address of the application
	Documents    []Document
	Actor        Actor
}

// Actor is who registers or changes a case: a person or the system.
type Actor struct {
	ID    *uuid.UUID // nil for the system
	Name  string     // as the timeline shows it
	Audit audit.Actor
}

// SystemActor is Okno itself acting on a message from the bus.
func SystemActor() Actor {
	return Actor{Name: "Система (СМЭВ)", Audit: audit.SystemActor()}
}

// PersonActor is a signed-in person.
func PersonActor(p *people.Principal) Actor {
	id := p.User.ID
	return Actor{ID: &id, Name: p.User.FullName, Audit: p.Actor()}
}

// Register creates the case, its documents, its first timeline entries and
// the job that reports "registered" to the portal, all in tx (scoped to
// r.AgencyID). The registry year and the due date are the agency's local
// day of registration. The number is taken as late as possible (see
// nextNumber), so concurrent registrations of an agency overlap in all but
// their last statements.
func (s *Service) Register(ctx context.Context, tx pgx.Tx, r Registration) (Case, error) {
	now, err := s.agencyNow(ctx, tx, r.AgencyID)
	if err != nil {
		return Case{}, err
	}
	st, app := r.ServiceType, r.Application
	due, err := calendar.DueDate(ctx, tx, now, st.DeadlineWorkingDays)
	if err != nil {
		return Case{}, fmt.Errorf("due date: %w", err)
	}
	c := Case{
		AgencyID: r.AgencyID, ID: uuid.New(),
		ServiceTypeID: st.ID, ServiceTypeVersion: st.Version, ServiceTitle: st.Title,
		Status: StatusRegistered, Channel: app.Channel,
		ApplicantKind: app.Kind, ApplicantName: app.Applicant.DisplayName(),
		ApplicantSNILS: app.Applicant.SNILS, ApplicantINN: app.Applicant.INN, ApplicantOGRN: app.Applicant.OGRN,
		Applicant: app.Applicant, Fields: app.Fields, Region: app.Region, Problems: app.Problems,
		ReceivedAt: r.ReceivedAt, RegisteredAt: now.UTC(), DueDate: due,
		PortalOrderID: app.PortalOrderID, BusMessageID: r.BusMessageID, ReplyTo: r.ReplyTo,
	}
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	if c.Problems == nil {
		c.Problems = []forms.Problem{}
	}
	// The registry number is taken last: its counter row stays locked to
	// the commit, and every registration of the agency's year waits for it.
	// Until then the case holds a number of its own id, unique and never
	// seen outside this transaction.
	c.Number = "~" + c.ID.String()
	if err := insertCase(ctx, tx, c); err != nil {
		return Case{}, err
	}
	for _, d := range r.Documents {
		if err := InsertDocument(ctx, tx, r.AgencyID, c.ID, d); err != nil {
			return Case{}, fmt.Errorf("document %s: %w", d.FileName, err)
		}
	}
	received := Event{At: r.ReceivedAt, ActorName: r.Actor.Name, Kind: "received",
		Data: map[string]any{"channel": string(app.Channel), "bus_message_id": r.BusMessageID, "problems": len(app.Problems)}}
	if _, err := InsertEvent(ctx, tx, r.AgencyID, c.ID, r.Actor.ID, received); err != nil {
		return Case{}, err
	}
	seq, err := nextNumber(ctx, tx, r.AgencyID, now.Year())
	if err != nil {
		return Case{}, fmt.Errorf("registry number: %w", err)
	}
	c.Number = st.RegistryNumber(now.Year(), seq)
	if err := updateNumber(ctx, tx, c.ID, c.Number); err != nil {
		return Case{}, fmt.Errorf("registry number: %w", err)
	}
	if err := s.recordStatus(ctx, tx, c.AgencyID, c.ID, "", StatusRegistered, r.Actor,
		Note{Comment: "Номер " + c.Number, ToApplicant: "Номер " + c.Number}); err != nil {
		return Case{}, err
	}
	return c, audit.Record(ctx, tx, r.Actor.Audit, audit.Entry{Action: "case.register", ObjectType: "case", ObjectID: c.ID.String(),
		Details: map[string]any{"number": c.Number, "channel": string(app.Channel), "service_type": st.Code}})
}

// Move puts a case the caller has locked (LockCase) from status from to
// status to, records it on the timeline and queues its delivery to the
// applicant's cabinet, all in tx. The caller has checked the move against
// the status machine.
func (s *Service) Move(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, from, to Status, by Actor, note Note) error {
	if err := updateStatus(ctx, tx, caseID, to, s.Now()); err != nil {
		return err
	}
	return s.recordStatus(ctx, tx, agencyID, caseID, from, to, by, note)
}

// recordStatus writes a status change to the timeline and, in the same
// transaction, queues its delivery to the applicant's cabinet (the outbox).
func (s *Service) recordStatus(ctx context.Context, tx pgx.Tx, agencyID, caseID uuid.UUID, from, to Status, by Actor, note Note) error {
	e := Event{At: s.Now(), ActorName: by.Name, Kind: "status", FromStatus: from, ToStatus: to, Comment: note.Comment}
	if note.ToApplicant != "" {
		e.Data = map[string]any{eventToApplicant: note.ToApplicant}
	}
	seq, err := InsertEvent(ctx, tx, agencyID, caseID, by.ID, e)
	if err != nil {
		return err
	}
	if err := insertDelivery(ctx, tx, agencyID, caseID, seq, to.ELKStatus()); err != nil {
		return err
	}
	if _, err := s.cfg.Jobs.InsertTx(ctx, tx, StatusDeliveryArgs{AgencyID: agencyID, CaseID: caseID, EventSeq: seq}, nil); err != nil {
		return fmt.Errorf("queue status delivery: %w", err)
	}
	return nil
}
