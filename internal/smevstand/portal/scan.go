package portal

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/go-pdf/fpdf"
)

// DefaultFontPath is DejaVu Sans from Debian's fonts-dejavu-core, a font
// with Cyrillic that fpdf can embed.
const DefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// Scanner makes the small PDF "scans" applicants attach.
type Scanner struct {
	font []byte
}

// NewScanner reads the TrueType font the scans are written in.
func NewScanner(fontPath string) (*Scanner, error) {
	font, err := os.ReadFile(fontPath)
	if err != nil {
		return nil, fmt.Errorf("read scan font (install fonts-dejavu-core or set the font path): %w", err)
	}
	return &Scanner{font: font}, nil
}

// Scan is one page: the document title, who it belongs to, the lines of
// its text and a stamp, as a scan of a paper document would show.
func (s *Scanner) Scan(title, owner string, lines []string, at time.Time) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreator("smevstand", true)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.AddUTF8FontFromBytes("DejaVu", "", s.font)
	pdf.AddPage()
	pdf.SetFont("DejaVu", "", 15)
	pdf.MultiCell(0, 8, title, "", "C", false)
	pdf.Ln(4)
	pdf.SetFont("DejaVu", "", 11)
	pdf.MultiCell(0, 6, owner, "", "L", false)
	pdf.Ln(2)
	for _, l := range lines {
		pdf.MultiCell(0, 6, l, "", "L", false)
	}
	pdf.Ln(10)
	pdf.SetDrawColor(40, 60, 160)
	pdf.SetTextColor(40, 60, 160)
	x, y := pdf.GetX()+110, pdf.GetY()
	pdf.Circle(x+25, y+18, 18, "D")
	pdf.Text(x+10, y+19, "КОПИЯ ВЕРНА")
	pdf.SetTextColor(0, 0, 0)
	pdf.Text(20, 285, "Дата: "+at.Format("02.01.2006"))
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("render scan %q: %w", title, err)
	}
	return b.Bytes(), nil
}
