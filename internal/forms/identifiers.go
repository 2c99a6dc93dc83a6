package forms

// Check digits of Russian registration numbers. Every function takes the
// number as digits only (see onlyDigits) and says whether its check digits
// agree with the rest.

// validSNILS checks the two check digits of an 11-digit СНИЛС: the sum of the
// first nine digits weighted 9..1, modulo 101, with 100 written as 00.
func validSNILS(s string) bool {
	if !allDigits(s, 11) {
		return false
	}
	number, sum := 0, 0
	for i := range 9 {
		d := int(s[i] - '0')
		number = number*10 + d
		sum += d * (9 - i)
	}
	// Numbers up to 001-001-998 were issued before check digits existed.
	if number <= 1001998 {
		return true
	}
	want := sum % 101 % 100
	return int(s[9]-'0')*10+int(s[10]-'0') == want
}

// INN check digits: the weighted sum of the preceding digits modulo 11,
// modulo 10.
var (
	inn10Weights  = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights1 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights2 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// validINN10 checks a legal entity's 10-digit ИНН.
func validINN10(s string) bool {
	return allDigits(s, 10) && innDigit(s, inn10Weights) == s[9]
}

// validINN12 checks the 12-digit ИНН of a person or sole proprietor.
func validINN12(s string) bool {
	return allDigits(s, 12) && innDigit(s, inn12Weights1) == s[10] && innDigit(s, inn12Weights2) == s[11]
}

func innDigit(s string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return byte('0' + sum%11%10)
}

// validOGRN checks a 13-digit ОГРН: the first 12 digits modulo 11, modulo 10.
func validOGRN(s string) bool { return registrationDigitOK(s, 13, 11) }

// validOGRNIP checks a 15-digit ОГРНИП: the first 14 digits modulo 13, modulo 10.
func validOGRNIP(s string) bool { return registrationDigitOK(s, 15, 13) }

func registrationDigitOK(s string, n int, m uint64) bool {
	if !allDigits(s, n) {
		return false
	}
	var head uint64 // at most 14 digits: fits
	for i := range n - 1 {
		head = head*10 + uint64(s[i]-'0')
	}
	return byte('0'+head%m%10) == s[n-1]
}

// validKPP checks the shape of a КПП: four digits (tax office), two digits or
// capital latin letters (reason), three digits. It has no check digit.
func validKPP(s string) bool {
	if len(s) != 9 {
		return false
	}
	for i := range 9 {
		c := s[i]
		digit := c >= '0' && c <= '9'
		if i == 4 || i == 5 {
			if !digit && (c < 'A' || c > 'Z') {
				return false
			}
		} else if !digit {
			return false
		}
	}
	return true
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// onlyDigits drops the separators people write inside numbers ("123-456-789
// 01"); any other character is kept, so a letter still fails the check.
func onlyDigits(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		switch s[i] {
		case ' ', '-':
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
