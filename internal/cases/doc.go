// Package cases is the heart of Okno: applications registered in an
// agency's registry, worked by clerks and approved by heads.
//
// What it owns:
//   - the case and its card (case.go, card.go): attributes, documents, the
//     timeline with each status's way to the applicant's cabinet;
//   - registration, one code path for both channels (register.go): paper
//     applications entered by a clerk (office.go) and applications taken
//     from SMEV 3 by package intake both build a Registration and call
//     Register, which numbers the case from the agency's pattern with a
//     gapless per-year sequence and gives it its due date;
//   - the status machine (status.go: which role may move a case from which
//     status to which), changing status (transition.go) and assignment to
//     departments and executors (assign.go);
//   - the registry list (registry.go: filters, sort, full-text search,
//     keyset pages, CSV export) and saved filters (savedfilters.go);
//   - the rules that must be the same everywhere: Overdue and FinalStatuses
//     (deadline.go, status.go; SQL gets them as parameters, never as a copy)
//     and the agency's local day (clock.go: registry year, due dates,
//     "today" and the registry's date filters are read in the agency's time
//     zone through one function). The due-date rule itself is
//     calendar.DueDate.
//
// The API for intake and the outbox. Package intake (bus → case) and
// package outbox (case → bus) work on cases inside their own agency-scoped
// transactions through a small exported API, and nothing else:
//   - Service.Register(ctx, tx, Registration) creates a case;
//   - LockCase, SelectCase, SelectEvent, CaseByPortalOrder read a case
//     (LockCase takes its row lock first, before any change);
//   - Service.Move changes status on a locked case and queues the status's
//     delivery (StatusDeliveryArgs, jobs.go) in the same transaction; its
//     Note keeps the staff's comment (never sent) apart from the message to
//     the applicant (Event.ToApplicant, the only text the cabinet gets);
//   - InsertDocument, InsertEvent add to a locked case; BusMessageTaken tells
//     whether a bus message already made or changed a case; LearnPortalOrder
//     keeps the cabinet's order number;
//   - Service.StoreFile and SafeKey store files as cases keep them;
//     Service.BusOf gives an agency's bus (Bus, Buses, ErrNoBus);
//   - Service.Now is the one clock; SystemActor and PersonActor say who acts.
//
// SQL lives in store.go (the case, its documents and timeline, saved
// filters) and registry.go (the list's query builder); columns and
// arguments go by name. Service types are read through package forms and
// departments, people and agencies through package people's directory,
// never from their tables. Everything runs in agency-scoped
// transactions (database.InAgency), so row-level security keeps agencies
// apart even if a query forgets to.
package cases
