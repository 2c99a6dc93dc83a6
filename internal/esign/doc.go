// Package esign owns Okno's electronic signatures outside XML: GOST R 34.10-2012
// keys (256 and 512 bit) in the PKCS#8/PEM form OpenSSL's gost engine reads and
// writes, X.509 certificates with GOST keys (parsing, issuing, chain validation,
// the subject fields of Russian qualified certificates), detached CMS signatures
// (SignedData) made and checked over a stream, and the custody of people's keys
// under a PIN.
//
// # Keys
//
// GenerateKey makes a key on a named parameter set (the names OpenSSL's gost
// engine uses: "A", "B", "C", "XA", "XB", "TCA".."TCD" for 256 bits and "512A",
// "512B", "512C" for 512 bits). ParsePrivateKeyPEM / PrivateKey.MarshalPEM and
// ParsePublicKeyPEM / PublicKey.MarshalPEM speak "PRIVATE KEY" and
// "PUBLIC KEY" blocks.
//
// # Certificates
//
// ParseCertificate and ParseCertificatePEM read X.509 certificates whose
// subject key is a GOST R 34.10-2012 key; any other algorithm is rejected with
// ErrUnsupportedAlgorithm. CreateCertificate issues a certificate from a
// Template (a self-signed CA when the issuer is nil). Certificate.Verify
// checks a chain up to a Pool of trusted roots. Name.Fields gives the subject
// of a qualified certificate in readable Russian (ФИО, СНИЛС, ИНН, ОГРН ...).
//
// # Signing for XMLDSig (ЭП-ОВ)
//
// An agency's information-system key and certificate travel together as a
// Signer. The XMLDSig code uses three calls:
//
//	s, err := esign.ParseSignerPEM(keyPEM, certPEM) // the pair, checked to match
//	sig, err := s.SignDigest(digest)                // digest = Streebog of the data
//	err = cert.VerifyDigest(digest, sig)            // with the certificate's key
//
// Signatures are in the form of RFC 4491 and RFC 7091 (s then r, big-endian,
// 64 or 128 bytes), the same bytes that go into CMS and X.509. Signer.Hash
// returns the Streebog hash that matches the key size.
//
// # CMS
//
// SignDetached reads the document from an io.Reader and returns a DER
// SignedData with the signer certificate and the signed attributes
// content-type, signing-time, message-digest and signing-certificate-v2.
// VerifyDetached checks such a signature (also one made by OpenSSL or another
// CMS tool, as DER, PEM or base64) and, when VerifyOptions.Roots is set, the
// signer's chain; with VerifyOptions.Signer it picks that person's SignerInfo
// among co-signers. Without Roots or Signer a valid signature says nothing
// about who signed: anyone can make a certificate in any name.
//
// # Trust and revocation
//
// A TrustStore (NewTrustStore) holds the installation's trusted roots and
// where its CRLs come from (files, read again when they change, or http(s)
// URLs, kept until the list's nextUpdate). TrustStore.VerifyDetached gives
// one of the three verdicts a case card shows: VerdictTrusted, VerdictUntrusted
// with a Reason (untrusted root, expired, not yet valid, revoked, wrong key
// usage, CRL unavailable), or VerdictInvalid. A certificate whose issuer has
// no current CRL is not trusted: revocation unchecked is trust unproven.
// CreateCRL issues a CRL (so the agency's CA can revoke) and ParseCRL reads
// one; CRL.CheckSignatureFrom verifies its GOST signature, which crypto/x509
// cannot.
//
// # Custody
//
// SealKey encrypts a person's private key under a PIN (argon2id + AES-256-GCM);
// SealedKey.Open decrypts it only for the act of signing and returns
// ErrWrongPIN for a wrong PIN so the caller can count attempts.
// VerifyUploaded accepts a detached signature made outside Okno only if it
// verifies against the document and the person's registered certificate.
package esign
