// Package printout renders the result document of a case — a decision to
// grant the service or to refuse it — to PDF, with Cyrillic text in DejaVu
// fonts through go-pdf/fpdf, and with the visible mark of the electronic
// signature that will sign it.
//
// # Templates
//
// A service type keeps its result templates as a Template: a title and a
// body of plain text. Paragraphs are separated by line breaks. Values are
// put in with placeholders in double braces:
//
//	{{номер}}                  a value of the case, named in Russian
//	{{дата_регистрации}}
//	{{заявитель}}
//	{{поле:cadastral_number}}  a field of the application form, by its code
//
// A name is letters, digits and underscores; a field code after "поле:" is
// Latin letters, digits, '_', '-' and '.'. Spaces inside the braces are
// ignored. Values replace placeholders once: a value that itself contains
// braces is printed as it is, never expanded, so applicants' text cannot
// reach into the template. A placeholder without a value, or braces that do
// not form a placeholder, is an error naming every such one (*TemplateError);
// nothing is silently left blank. There is no way to print "{{" literally.
//
// # The signature stamp and the signed bytes
//
// The signature is a detached CMS over the exact bytes of the PDF, and the
// person signing must see exactly what they sign. fpdf cannot add to a PDF
// once written, and anything added after signing would break the signature.
// So the stamp is part of the signed bytes: its content — the certificate's
// serial number, owner, validity and, for a deputy, whom they sign for — is
// known before signing, because the certificate is. The workflow renders the
// final PDF with RenderStamped and the signer's Stamp, shows those bytes to
// the head, and signs those same bytes. Render, without a stamp, is the
// draft the executor edits; it lays out the same text in the same place.
//
// Rendering is deterministic: the same Document (and Stamp) gives the same
// bytes, because the PDF's creation date is Document.CreatedAt, not the
// clock, so a draft re-rendered later is byte for byte the one approved.
package printout
