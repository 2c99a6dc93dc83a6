package applicants_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/okno-oiv/okno/internal/esign"
	"github.com/okno-oiv/okno/internal/smevstand/applicants"
)

// The identifiers pass the checks of an independent implementation
// (internal/esign, which Okno uses for certificates).
func TestIdentifiersHaveValidCheckDigits(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g := applicants.NewGenerator(42, func() time.Time { return now })
	for range 2000 {
		p := g.Person()
		if err := esign.CheckSNILS(p.SNILS); err != nil {
			t.Fatalf("СНИЛС %s of %s: %v", p.SNILS, p.FullName(), err)
		}
		if err := esign.CheckINN(p.INN); err != nil {
			t.Fatalf("ИНН %s: %v", p.INN, err)
		}
		c := g.Company()
		if c.SoleProprietor {
			if err := esign.CheckOGRNIP(c.OGRN); err != nil {
				t.Fatalf("ОГРНИП %s: %v", c.OGRN, err)
			}
			if err := esign.CheckINN(c.INN); err != nil {
				t.Fatalf("ИНН ИП %s: %v", c.INN, err)
			}
			continue
		}
		if err := esign.CheckOGRN(c.OGRN); err != nil {
			t.Fatalf("ОГРН %s of %s: %v", c.OGRN, c.Name, err)
		}
		if err := esign.CheckINNLE(c.INN); err != nil {
			t.Fatalf("ИНН ЮЛ %s: %v", c.INN, err)
		}
		if len(c.KPP) != 9 || c.KPP[:4] != c.INN[:4] {
			t.Fatalf("КПП %s does not start with the tax office of ИНН %s", c.KPP, c.INN)
		}
	}
}

func TestPeopleLookRussian(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g := applicants.NewGenerator(7, func() time.Time { return now })
	for range 500 {
		p := g.Person()
		if p.Male != strings.HasSuffix(p.MiddleName, "ич") {
			t.Fatalf("%s: patronymic does not match the gender (male=%v)", p.FullName(), p.Male)
		}
		if !p.Male && !strings.HasSuffix(p.MiddleName, "на") {
			t.Fatalf("%s: female patronymic must end in -на", p.FullName())
		}
		if age := now.Year() - p.BirthDate.Year(); age < 18 || age > 80 {
			t.Fatalf("%s is %d years old", p.FullName(), age)
		}
		if p.Passport.IssueDate.Before(p.BirthDate.AddDate(14, 0, 0)) || p.Passport.IssueDate.After(now) {
			t.Fatalf("passport of %s born %s issued %s", p.FullName(), p.BirthDate, p.Passport.IssueDate)
		}
		if len(p.Passport.Series) != 4 || len(p.Passport.Number) != 6 || p.Passport.Series[:2] != p.Address.RegionCode {
			t.Fatalf("passport %s %s of region %s", p.Passport.Series, p.Passport.Number, p.Address.RegionCode)
		}
		if s := p.SNILSFormatted(); utf8.RuneCountInString(s) != 14 || s[3] != '-' || s[11] != ' ' {
			t.Fatalf("formatted СНИЛС %q", s)
		}
	}
}

func TestSameSeedSameApplicants(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	a, b := applicants.NewGenerator(1, now), applicants.NewGenerator(1, now)
	for range 20 {
		if pa, pb := a.Person(), b.Person(); pa != pb {
			t.Fatalf("same seed gave %+v and %+v", pa, pb)
		}
	}
}
