// Package bus is the stand's SMEV 3 message exchange: the SOAP 1.1 endpoint
// with SendRequest, GetRequest, Ack, SendResponse, GetResponse and GetStatus,
// the queues behind it and the rules SMEV applies on the way in.
//
// A call is checked in the order SMEV checks it: the envelope must be safe
// XML within the size limit; the caller's signature (ЭП-ОВ) must be present,
// reference the element the operation requires and be made with a
// registered information system's certificate; the MessageID must be a
// fresh lowercase UUID v1 not used before; the access matrix must let the
// caller send the message type; attachment headers must match their content.
// Each failure is the faults schema's SOAP Fault, and nothing is stored.
//
// Accepted messages wait in the recipient's queue (per recipient, kind and
// message type) in PostgreSQL. Get* hands out the oldest visible message and
// hides it for the redelivery timeout; only Ack removes it, so a consumer
// that crashes before Ack sees the message again. Replies carry the stand's
// own SMEVSignature.
//
// The stand's simulated participants (portal, provider agencies) use the
// same Bus methods in-process, as an already authenticated system.
package bus
