// Package forms owns service types: the configuration that turns an
// application — a portal form from the interagency bus or a paper form typed
// in at the office — into the data of a case.
//
// # The model
//
// A ServiceType belongs to one agency. It names the portal form it accepts
// (NamespaceURI and RootElement of the concentrator form, e.g.
// {http://epgu.gosuslugi.ru/concentrator/building-permit/1.0.0}FormData), the
// attributes of the case card (Fields), the documents the applicant must
// attach (RequiredDocuments), the regulation's term in working days, the
// registry number pattern ("{year}-{code}-{seq:06}") and what to do when an
// application has problems (OnProblem: register it and show the problems on
// the card, or reject it on the bus with RequestRejected).
//
// A Mapping is data, stored as JSON beside the service type: for every piece
// of an application it lists element paths into the form, tried in order
// until one yields a value. A path is the slash-separated local names of
// elements below the root, namespace-insensitive, ending optionally in an
// attribute: "Applicant/Person/lastName", "Applicant/@type". Fallback paths
// let one mapping serve several applicant kinds: a legal entity's
// representative supplies the person's names when there is no Person.
//
// # Two intake paths, one result
//
// MapApplication reads a portal form (parsed with size, depth and DOCTYPE
// limits); MapOfficeForm reads the in-office form built from OfficeFields.
// Both return the same Application and run the same checks: required values,
// СНИЛС/ИНН/ОГРН check digits, field kinds, required documents. What is wrong
// but still legally registrable becomes a Problem on the Application; the
// office form shows the same problems beside its fields. Only what cannot be
// read at all (malformed or hostile XML, a form of another service type) is
// an error, and then nothing is mapped.
//
// # Storage
//
// store.go holds all SQL of the package. Its functions take a transaction
// already scoped to the agency by database.InAgency, so row-level security,
// not a WHERE clause, keeps agencies apart.
package forms
