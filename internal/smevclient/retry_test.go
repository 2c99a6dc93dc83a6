package smevclient

import (
	"testing"
	"time"
)

func TestBackoffDoublesWithinBounds(t *testing.T) {
	r := Retry{BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second}
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{1, 500 * time.Millisecond},
		{2, time.Second},
		{3, 2 * time.Second},
		{7, 30 * time.Second}, // 32 s capped
		{200, 30 * time.Second},
	}
	for _, tc := range tests {
		for range 50 {
			if d := r.backoff(tc.attempt); d < tc.ceiling/2 || d > tc.ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.attempt, d, tc.ceiling/2, tc.ceiling)
			}
		}
	}
}
