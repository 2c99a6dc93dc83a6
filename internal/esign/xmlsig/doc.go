// Package xmlsig owns XML signatures as SMEV 3 uses them: safe parsing of XML into a small
// read-only tree, Exclusive XML Canonicalization, the SMEV transform
// (urn://smev-gov-ru/xmldsig/transform), and detached XMLDSig signatures with GOST R 34.10-2012
// and GOST R 34.11-2012.
package xmlsig
