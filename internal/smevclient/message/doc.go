// Package message owns the SMEV 3 wire model, schema version 1.3: Go types
// for the bodies of SendRequest, GetRequest, Ack, SendResponse, GetResponse
// and GetStatus, their SOAP 1.1 envelopes, SOAP faults carrying the SMEV
// fault elements, and the hardened XML decoding every received envelope
// goes through.
//
// Both sides of the bus use it: internal/smevclient produces requests and
// reads replies, the SMEV stand reads requests and produces replies. Struct
// fields follow the element order of the XSD, so encoding/xml emits
// schema-valid documents; elements the stand and Okno never use (directive
// routing of МР 3.5) are left out.
//
// Business content (MessagePrimaryContent) and XMLDSig signatures are kept as
// raw XML. Received business content is re-serialised self-contained: every
// element carries the namespace declarations it needs, so the bytes stay
// meaningful outside the envelope they came in.
package message
