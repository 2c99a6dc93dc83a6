package views

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "ошибок", 1: "ошибка", 2: "ошибки", 4: "ошибки", 5: "ошибок", 11: "ошибок",
		12: "ошибок", 14: "ошибок", 21: "ошибка", 22: "ошибки", 101: "ошибка", 111: "ошибок", 112: "ошибок"} {
		if got := Plural(n, "ошибка", "ошибки", "ошибок"); got != want {
			t.Errorf("Plural(%d) = %s, want %s", n, got, want)
		}
	}
}
