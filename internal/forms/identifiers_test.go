package forms

import (
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevstand/applicants"
)

func TestCheckDigits(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) bool
		value string
		valid bool
	}{
		{"СНИЛС", validSNILS, "11223344595", true},
		{"СНИЛС wrong check number", validSNILS, "11223344596", false},
		{"СНИЛС whose sum modulo 101 is 100 ends in 00", validSNILS, "00101998900", true},
		{"СНИЛС whose sum is 101 ends in 00", validSNILS, "00101999800", true},
		{"СНИЛС whose sum is 101 with check 01", validSNILS, "00101999801", false},
		{"СНИЛС issued before check numbers", validSNILS, "00100199812", true},
		{"СНИЛС too short", validSNILS, "1122334459", false},
		{"СНИЛС with a letter", validSNILS, "1122334459a", false},
		{"ИНН-10", validINN10, "7707083893", true},
		{"ИНН-10 wrong check digit", validINN10, "7707083894", false},
		{"ИНН-10 given 12 digits", validINN10, "500100732259", false},
		{"ИНН-12", validINN12, "500100732259", true},
		{"ИНН-12 wrong 11th digit", validINN12, "500100732269", false},
		{"ИНН-12 wrong 12th digit", validINN12, "500100732258", false},
		{"ИНН-12 given 10 digits", validINN12, "7707083893", false},
		{"ОГРН", validOGRN, "1027700132195", true},
		{"ОГРН wrong check digit", validOGRN, "1027700132194", false},
		{"ОГРН given an ОГРНИП", validOGRN, "304500116000157", false},
		{"ОГРНИП", validOGRNIP, "304500116000157", true},
		{"ОГРНИП wrong check digit", validOGRNIP, "304500116000158", false},
		{"ОГРНИП with a space", validOGRNIP, "30450011600015 ", false},
		{"КПП", validKPP, "770701001", true},
		{"КПП with a letter reason code", validKPP, "7707AB001", true},
		{"КПП with a letter in the tax office", validKPP, "77A701001", false},
		{"КПП too short", validKPP, "77070100", false},
	}
	for _, tt := range tests {
		if got := tt.check(tt.value); got != tt.valid {
			t.Errorf("%s: %q valid = %v, want %v", tt.name, tt.value, got, tt.valid)
		}
	}
}

// The stand's applicant generator computes check digits by its own code;
// every number it makes must pass, and any other last digit must fail.
func TestCheckDigitsAgreeWithTheApplicantGenerator(t *testing.T) {
	g := applicants.NewGenerator(7, func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) })
	for range 500 {
		p := g.Person()
		c := g.Company()
		for _, tt := range []struct {
			what  string
			check func(string) bool
			value string
		}{
			{"СНИЛС", validSNILS, p.SNILS},
			{"ИНН-12", validINN12, p.INN},
			{"ИНН-10", validINN10, g.CompanyINN("77")},
			{"ОГРН", validOGRN, g.OGRN(c.Registered, "77")},
			{"ОГРНИП", validOGRNIP, g.OGRNIP(c.Registered, "50")},
			{"КПП", validKPP, c.KPP},
		} {
			if tt.what == "КПП" && tt.value == "" { // sole proprietors have none
				continue
			}
			if !tt.check(tt.value) {
				t.Fatalf("%s %q from the generator fails the check", tt.what, tt.value)
			}
			if tt.what == "КПП" {
				continue
			}
			last := tt.value[len(tt.value)-1]
			for d := byte('0'); d <= '9'; d++ {
				if d != last && tt.check(tt.value[:len(tt.value)-1]+string(d)) {
					t.Fatalf("%s %q passes with last digit %c", tt.what, tt.value, d)
				}
			}
		}
	}
}
