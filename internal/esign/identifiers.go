package esign

import (
	"fmt"
	"math/big"
)

// Check functions for the Russian identifiers a qualified certificate carries.
// Each returns an error wrapping ErrMalformed that says what is wrong, so a
// mistyped number never ends up in an issued certificate.

// CheckSNILS checks an 11-digit СНИЛС and its two check digits.
func CheckSNILS(s string) error {
	d, err := digits(s, 11)
	if err != nil {
		return err
	}
	number := 0
	sum := 0
	for i := range 9 {
		number = number*10 + d[i]
		sum += d[i] * (9 - i)
	}
	// Numbers up to 001-001-998 were issued before check digits existed.
	if number <= 1001998 {
		return nil
	}
	want := sum % 101
	if want == 100 {
		want = 0
	}
	if got := d[9]*10 + d[10]; got != want {
		return fmt.Errorf("%w: СНИЛС check digits %02d, want %02d", ErrMalformed, got, want)
	}
	return nil
}

// CheckINN checks a 12-digit ИНН of a person (the 1.2.643.3.131.1.1
// attribute). A legal entity's 10-digit ИНН written there with two leading
// zeros, as older certificates do, is checked as such.
func CheckINN(s string) error {
	if len(s) == 12 && s[:2] == "00" {
		return CheckINNLE(s[2:])
	}
	d, err := digits(s, 12)
	if err != nil {
		return err
	}
	w11 := []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	w12 := []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	if c := weighted(d, w11); c != d[10] {
		return fmt.Errorf("%w: ИНН check digit 11 is %d, want %d", ErrMalformed, d[10], c)
	}
	if c := weighted(d, w12); c != d[11] {
		return fmt.Errorf("%w: ИНН check digit 12 is %d, want %d", ErrMalformed, d[11], c)
	}
	return nil
}

// CheckINNLE checks a 10-digit ИНН of a legal entity.
func CheckINNLE(s string) error {
	d, err := digits(s, 10)
	if err != nil {
		return err
	}
	if c := weighted(d, []int{2, 4, 10, 3, 5, 9, 4, 6, 8}); c != d[9] {
		return fmt.Errorf("%w: ИНН ЮЛ check digit is %d, want %d", ErrMalformed, d[9], c)
	}
	return nil
}

// CheckOGRN checks a 13-digit ОГРН.
func CheckOGRN(s string) error {
	return checkRegistrationNumber(s, 13, 11, "ОГРН")
}

// CheckOGRNIP checks a 15-digit ОГРНИП.
func CheckOGRNIP(s string) error {
	return checkRegistrationNumber(s, 15, 13, "ОГРНИП")
}

// checkRegistrationNumber: the last digit is the rest of the number modulo
// m, modulo 10.
func checkRegistrationNumber(s string, n int, m int64, what string) error {
	d, err := digits(s, n)
	if err != nil {
		return err
	}
	head, _ := new(big.Int).SetString(s[:n-1], 10)
	c := int(new(big.Int).Mod(head, big.NewInt(m)).Int64() % 10)
	if c != d[n-1] {
		return fmt.Errorf("%w: %s check digit is %d, want %d", ErrMalformed, what, d[n-1], c)
	}
	return nil
}

func weighted(d, w []int) int {
	sum := 0
	for i, x := range w {
		sum += d[i] * x
	}
	return sum % 11 % 10
}

func digits(s string, n int) ([]int, error) {
	if len(s) != n {
		return nil, fmt.Errorf("%w: %q has %d characters, want %d digits", ErrMalformed, s, len(s), n)
	}
	d := make([]int, n)
	for i := range n {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("%w: %q has a non-digit at position %d", ErrMalformed, s, i+1)
		}
		d[i] = int(s[i] - '0')
	}
	return d, nil
}

func checkCountry(s string) error {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return fmt.Errorf("%w: country %q is not a two-letter code", ErrMalformed, s)
	}
	return nil
}

func checkASCII(s string) error {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return fmt.Errorf("%w: %q is not ASCII", ErrMalformed, s)
		}
	}
	return nil
}
