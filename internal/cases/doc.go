// Package cases is the heart of Okno: applications registered in an
// agency's registry, worked by clerks and approved by heads.
//
// What it owns:
//   - registration, one code path for both channels: applications taken from
//     SMEV 3 (intake, exactly once: the case commits before the message is
//     acknowledged, and a redelivered message finds its case by MessageID) and
//     paper applications entered by a clerk;
//   - registry numbers from the agency's pattern with a gapless per-year
//     sequence, and due dates in working days of the agency's calendar;
//   - the status machine (which role may move a case from which status to
//     which), assignment to departments and executors, and the timeline;
//   - the outbox: every status change writes, in the same transaction, a job
//     that carries the status to the applicant's cabinet through the bus, in
//     order per case, retried until the bus accepts it;
//   - the registry list: filters, sort, full-text search, keyset pages.
//
// Everything runs in agency-scoped transactions (database.InAgency), so
// row-level security keeps agencies apart even if a query forgets to.
package cases
