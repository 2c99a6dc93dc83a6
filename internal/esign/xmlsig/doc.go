// Package xmlsig owns XML signatures as SMEV 3 uses them: safe parsing of XML into a small
// read-only tree, Exclusive XML Canonicalization, the SMEV transform
// (urn://smev-gov-ru/xmldsig/transform), and detached XMLDSig signatures with
// GOST R 34.10-2012 and GOST R 34.11-2012 (Streebog).
//
// # Parsing
//
// Parse (and ParseReader, ParseWithLimits) read UTF-8 XML with encoding/xml as the
// tokenizer and build a Document of Elements whose names are resolved to namespace URIs.
// They reject what a signature library must never follow or guess at: document type and
// entity declarations (ErrForbidden), documents beyond Limits (ErrTooLarge, ErrTooDeep),
// undeclared prefixes and reserved-name misuse (ErrNamespaces) and anything not
// well-formed (ErrMalformed). Comments are dropped while parsing: every algorithm here works
// "without comments". Document.ElementByID finds the element a "#Id" reference names and
// refuses an Id carried twice (ErrDuplicateID), the usual signature-wrapping trick. A
// Document never changes after parsing and is safe to share between goroutines.
//
// # Canonical forms
//
// Canonicalize is Exclusive XML Canonicalization 1.0 without comments of one element's
// subtree, with an optional InclusiveNamespaces PrefixList. SMEVTransform(r, w) is the SMEV
// transform of a whole document's root element, the form the esign CLI exposes
// (esign smev-transform < in.xml); TransformElement is the same for one element of a parsed
// document. The rules and the reference implementation's choices (escaping, attribute
// order in UTF-16 code units) are written on TransformElement.
//
// # Signing and verifying
//
// A SMEV call carries the information system's signature (ЭП-ОВ) in a sibling of the signed
// element, e.g. SenderProvidedRequestData Id="SIGNED_BY_CALLER" and, after it,
// CallerInformationSystemSignature. Sign returns the ds:Signature element for the caller to
// place there:
//
//	sig, err := xmlsig.Sign(doc, "SIGNED_BY_CALLER", signer, signer.Cert.Raw) // signer is *esign.Signer
//	// insert sig into <CallerInformationSystemSignature>, then send.
//
// The Reference is URI="#Id" with the transforms exc-c14n then the SMEV transform; SignedInfo
// is canonicalized with exc-c14n; DigestMethod and SignatureMethod are the cpxmlsec
// GOST R 34.10-2012 identifiers for the key size (256 or 512 bits); KeyInfo holds
// X509Data/X509Certificate. The signature value is s||r big-endian, as in RFC 4491 and as
// OpenSSL's gost engine produces and accepts it (TestSignatureAgreesWithOpenSSL) and as SMEV
// itself signs (TestVerifiesSignatureMadeBySMEV checks a signature from the SMEV 3 test
// environment).
// Because both digests are taken over exclusive canonical forms, the signature stays valid
// wherever it is inserted and however the surrounding document declares its namespaces.
//
// Verify finds the one ds:Signature whose Reference names "#Id", checks the signature value
// over SignedInfo and then every Reference digest (so a forged signature costs no transform
// of the document), and returns the certificate it verified with: the one in
// KeyInfo, or VerifyOptions.Certificate when the caller already knows whose signature it must
// be (SMEV's own certificate, for SMEVSignature). Trusting a KeyInfo certificate is the
// caller's decision (esign.Certificate.Verify against the agency's roots). Failures wrap
// ErrNoSignature, ErrAmbiguousSignature, ErrReferenceNotFound, ErrDigestMismatch,
// ErrSignatureInvalid, ErrMalformedSignature or ErrUnsupportedAlgorithm; SMEV reports the
// same cases as SignatureVerificationFault sub-codes. VerifySignature checks a ds:Signature
// element the caller has located itself.
package xmlsig
