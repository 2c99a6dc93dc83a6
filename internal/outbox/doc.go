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
//   - the pacing of deliveries that cannot go now (status.go, Backoff): a
//     refused send or a wait for an earlier status snoozes the job (no
//     worker is held) with a delay doubling from 0.5 s to 5 min; after
//     15 min the delivery is stuck (stuck_since), shown on the card and in
//     okno_outbox_stuck_deliveries{agency}, and still retried at the cap. A
//     DestinationOverflow is not retried inside the bus client: the agency's
//     other deliveries are held off the bus for the same delay, and other
//     agencies are not touched (okno_outbox_delivery_attempts_total{result});
//   - the retry and cancel by hand (hand.go): the agency's head or
//     administrator sends a stuck or failed delivery again at once, or
//     cancels a queued or sent one with a reason (audited). Order per case
//     then means: statuses leave in event order, skipping cancelled ones;
//     since each status message carries the case's whole current status,
//     the cabinet still ends at the right one. A cancelled first status of
//     an office case means the next status creates the cabinet's order;
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
