// Package outbox sends what Okno owes the bus, each message retried until
// the bus accepts it and never delivered twice.
//
// What it owns:
//   - the StatusDeliveryWorker (status.go): each status change of a case
//     queues, in its own transaction, a cases.StatusDeliveryArgs job; the
//     worker builds the ElkOrderRequest for the applicant's cabinet (elk.go)
//     and sends it, statuses of one case in order, with a message id fixed
//     before the first attempt so that a retry after a crash is answered
//     MessageIsAlreadySent instead of reaching the cabinet twice;
//   - TakeAnswer (elk.go): the portal's ElkOrderResponse marks a status
//     accepted or failed and teaches an office case its cabinet order number;
//   - the RejectionWorker (rejection.go): the RequestRejected answer to a
//     message intake refused (RejectionArgs);
//   - the bookkeeping of both (store.go): state, attempts, last error and
//     message id of each delivery and each refusal's answer, which the case
//     card and the operators read.
//
// The outbox reads cases through package cases' exported API (SelectCase,
// SelectEvent, BusOf) and writes only its own bookkeeping.
package outbox
