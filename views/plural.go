package views

import "fmt"

// Plural picks the Russian form for n: one (1, 21), few (2-4, 22-24) or many.
func Plural(n int, one, few, many string) string {
	m10, m100 := n%10, n%100
	switch {
	case m10 == 1 && m100 != 11:
		return one
	case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
		return few
	}
	return many
}

func problemCount(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "ошибка", "ошибки", "ошибок"))
}
