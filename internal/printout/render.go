package printout

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// DefaultFontDir is where Debian's fonts-dejavu-core puts DejaVu.
const DefaultFontDir = "/usr/share/fonts/truetype/dejavu"

// The font files read from the font directory: a serif face, as official
// letters are set, with Cyrillic.
const (
	regularFontFile = "DejaVuSerif.ttf"
	boldFontFile    = "DejaVuSerif-Bold.ttf"
	fontFamily      = "DejaVuSerif"
)

// Kind is what a decision decides.
type Kind string

const (
	// KindApproval grants the service: the permit, extract or notice it issues.
	KindApproval Kind = "approval"
	// KindRefusal refuses it, on grounds from the service type's list and
	// with a motivation in free text.
	KindRefusal Kind = "refusal"
)

// Agency is who issues the document, for its letterhead.
type Agency struct {
	Name string
	// Requisites are the lines under the name: address, ОГРН/ИНН/КПП,
	// telephone, e-mail.
	Requisites []string
}

// Document is everything a result document shows.
type Document struct {
	Agency   Agency
	Template Template
	// Values fill the template's placeholders, by name without braces:
	// "номер", "поле:cadastral_number".
	Values map[string]string
	Kind   Kind
	// Grounds of a refusal, as the service type words them; at least one.
	Grounds []string
	// Motivation of a refusal in the executor's words; may be empty.
	Motivation string
	// CreatedAt is the PDF's creation date, and the only time in it: the
	// same Document renders to the same bytes. Required.
	CreatedAt time.Time
}

// Stamp is the visible mark of the electronic signature (see StampOf).
type Stamp struct {
	// Serial is the certificate's serial number in hex.
	Serial string
	Owner  string
	// NotBefore and NotAfter are shown as dates in their own location.
	NotBefore time.Time
	NotAfter  time.Time
	// OnBehalfOf names the head a deputy signs for; empty when the head
	// signs in person.
	OnBehalfOf string
}

// Renderer renders documents; it holds the fonts and is safe for
// concurrent use.
type Renderer struct {
	regular, bold []byte
}

// NewRenderer reads the DejaVu fonts from fontDir (DefaultFontDir when empty).
func NewRenderer(fontDir string) (*Renderer, error) {
	if fontDir == "" {
		fontDir = DefaultFontDir
	}
	r := &Renderer{}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{regularFontFile, &r.regular}, {boldFontFile, &r.bold}} {
		data, err := os.ReadFile(filepath.Join(fontDir, f.name))
		if err != nil {
			return nil, fmt.Errorf("printout: font %s not found in %s (install fonts-dejavu-core or configure the font directory): %w",
				f.name, fontDir, err)
		}
		*f.dst = data
	}
	return r, nil
}

// Render renders the draft: the document without a signature stamp.
func (r *Renderer) Render(doc Document) ([]byte, error) {
	return r.render(doc, nil)
}

// RenderStamped renders the document as it will be signed, with the stamp
// of the signer's certificate. Sign exactly these bytes (see the package
// documentation).
func (r *Renderer) RenderStamped(doc Document, s Stamp) ([]byte, error) {
	if s.Serial == "" || s.Owner == "" || s.NotBefore.IsZero() || s.NotAfter.IsZero() {
		return nil, errors.New("printout: stamp: serial, owner and validity are required")
	}
	return r.render(doc, &s)
}

// Page geometry in millimetres.
const (
	marginLeft   = 25.0
	marginTop    = 15.0
	marginRight  = 15.0
	marginBottom = 20.0
	lineHeight   = 6.0
	stampWidth   = 120.0
)

func (r *Renderer) render(doc Document, stamp *Stamp) ([]byte, error) {
	if err := doc.check(); err != nil {
		return nil, err
	}
	title, body, err := doc.Template.fill(doc.Values)
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	created := doc.CreatedAt.UTC()
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	// Fonts and other resources in a fixed order, whatever map iteration does.
	pdf.SetCatalogSort(true)
	pdf.SetCreator("Окно", true)
	pdf.SetTitle(title, true)
	pdf.SetLang("ru-RU")
	pdf.AddUTF8FontFromBytes(fontFamily, "", r.regular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", r.bold)
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-marginBottom + 5)
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, "Страница "+strconv.Itoa(pdf.PageNo())+" из {nb}", "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	letterhead(pdf, doc.Agency)
	pdf.SetFont(fontFamily, "B", 14)
	pdf.MultiCell(0, 7, title, "", "C", false)
	pdf.Ln(5)
	pdf.SetFont(fontFamily, "", 12)
	paragraphs(pdf, body)
	if doc.Kind == KindRefusal {
		pdf.Ln(3)
		pdf.SetFont(fontFamily, "B", 12)
		pdf.MultiCell(0, lineHeight, "Основания для отказа:", "", "L", false)
		pdf.SetFont(fontFamily, "", 12)
		for i, g := range doc.Grounds {
			pdf.MultiCell(0, lineHeight, strconv.Itoa(i+1)+". "+g, "", "J", false)
		}
		if strings.TrimSpace(doc.Motivation) != "" {
			pdf.Ln(3)
			pdf.SetFont(fontFamily, "B", 12)
			pdf.MultiCell(0, lineHeight, "Разъяснение причин отказа:", "", "L", false)
			pdf.SetFont(fontFamily, "", 12)
			paragraphs(pdf, doc.Motivation)
		}
	}
	if stamp != nil {
		drawStamp(pdf, *stamp)
	}

	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("printout: render %q: %w", title, err)
	}
	return b.Bytes(), nil
}

func (doc Document) check() error {
	if doc.CreatedAt.IsZero() {
		return errors.New("printout: the creation time is required, so that the document renders the same each time")
	}
	if strings.TrimSpace(doc.Agency.Name) == "" {
		return errors.New("printout: the agency's name is required")
	}
	switch doc.Kind {
	case KindApproval:
		if len(doc.Grounds) > 0 || doc.Motivation != "" {
			return errors.New("printout: an approval has no grounds or motivation of refusal")
		}
	case KindRefusal:
		if len(doc.Grounds) == 0 {
			return errors.New("printout: a refusal needs at least one ground")
		}
	default:
		return fmt.Errorf("printout: unknown decision kind %q", doc.Kind)
	}
	return nil
}

func letterhead(pdf *fpdf.Fpdf, a Agency) {
	pdf.SetFont(fontFamily, "B", 13)
	pdf.MultiCell(0, 6, a.Name, "", "C", false)
	pdf.SetFont(fontFamily, "", 9)
	for _, line := range a.Requisites {
		pdf.MultiCell(0, 4.5, line, "", "C", false)
	}
	pdf.Ln(2)
	w, _ := pdf.GetPageSize()
	y := pdf.GetY()
	pdf.SetLineWidth(0.5)
	pdf.Line(marginLeft, y, w-marginRight, y)
	pdf.SetLineWidth(0.2)
	pdf.Ln(8)
}

// paragraphs sets text line by line; an empty line leaves a gap.
func paragraphs(pdf *fpdf.Fpdf, text string) {
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(p) == "" {
			pdf.Ln(lineHeight / 2)
			continue
		}
		pdf.MultiCell(0, lineHeight, p, "", "J", false)
	}
}

// drawStamp draws the signature mark at the right, below the text, on a new
// page when it would not fit.
func drawStamp(pdf *fpdf.Fpdf, s Stamp) {
	lines := []string{
		"Сертификат: " + s.Serial,
		"Владелец: " + s.Owner,
		"Действителен: с " + s.NotBefore.Format("02.01.2006") + " по " + s.NotAfter.Format("02.01.2006"),
	}
	if s.OnBehalfOf != "" {
		lines = append(lines, "Подписано по доверенности за: "+s.OnBehalfOf)
	}
	const pad, small = 3.0, 4.5
	pdf.SetFont(fontFamily, "", 9)
	height := 2*pad + 6
	for _, l := range lines {
		height += float64(len(pdf.SplitText(l, stampWidth-2*pad))) * small
	}
	w, h := pdf.GetPageSize()
	if pdf.GetY()+10+height > h-marginBottom {
		pdf.AddPage()
	} else {
		pdf.Ln(10)
	}
	x, y := w-marginRight-stampWidth, pdf.GetY()
	pdf.SetDrawColor(30, 60, 150)
	pdf.SetTextColor(30, 60, 150)
	pdf.SetLineWidth(0.6)
	pdf.RoundedRect(x, y, stampWidth, height, 2, "1234", "D")
	pdf.SetLineWidth(0.2)
	pdf.SetXY(x+pad, y+pad)
	pdf.SetFont(fontFamily, "B", 10)
	pdf.MultiCell(stampWidth-2*pad, 6, "Документ подписан электронной подписью", "", "C", false)
	pdf.SetFont(fontFamily, "", 9)
	for _, l := range lines {
		pdf.SetX(x + pad)
		pdf.MultiCell(stampWidth-2*pad, small, l, "", "L", false)
	}
	pdf.SetTextColor(0, 0, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetY(y + height)
}
