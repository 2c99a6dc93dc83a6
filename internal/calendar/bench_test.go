package calendar_test

import "testing"

func BenchmarkAddWorkingDays(b *testing.B) {
	c := federal(b)
	from := date("2026-12-25")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.AddWorkingDays(from, 30); err != nil {
			b.Fatal(err)
		}
	}
}
