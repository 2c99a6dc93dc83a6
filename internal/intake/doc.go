// Package intake takes applications from SMEV 3 and makes cases of them,
// exactly once: a message's files go to the blob store first, then its case
// (or its refusal) commits, and only then is the message acknowledged; a
// redelivered message finds its case or refusal by MessageID and changes
// nothing (Outcome says what happened).
//
// What it owns:
//   - Receive (receive.go): a new application is mapped by its service
//     type's form and registered through cases.Service.Register, with its
//     attachments stored and hashed (SHA-256 and Streebog-256) and the
//     applicant's signatures checked; problems become the case's problems,
//     or a refusal when the service type says so;
//   - supplements (supplement.go): documents the applicant sends for a case
//     that waits for them;
//   - withdrawals (withdrawal.go): the applicant withdrawing an application
//     cancels its case until a decision is signed, and is refused after;
//   - refusals (reject.go, store.go): every refused message is recorded in
//     intake_rejections with its reason, and its RequestRejected answer is
//     queued (outbox.RejectionArgs) in the same transaction;
//   - the Puller (puller.go): the loop every worker process runs; the one
//     holding the pull lease serves every agency's bus queue a fair share
//     per round and hands the portal's answers to sent statuses to the
//     outbox;
//   - dead letters (deadletter.go): a message that fails (Receive, or the
//     outbox's TakeAnswer) is counted per message id; at Config.MaxAttempts
//     a request is refused (RequestRejected with reason FAILURE) and a
//     response acknowledged accepted=false, and the message, kept whole
//     (smevclient.Delivery.Keep), waits in intake_dead_letters for the
//     platform administrator to run it again or close it. A delivery whose
//     SMEV signature or attachments fail the check
//     (*smevclient.UnverifiedDeliveryError) is counted by the id it claims
//     and at the limit only acknowledged accepted=false, never answered;
//     its dead letter is marked unverified and can only be closed. A
//     failing message never holds up the next one.
//
// Intake changes cases only through package cases' exported API; its own
// SQL (refusals, dead letters) is in store.go.
package intake
