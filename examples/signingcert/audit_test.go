package main

import (
	"errors"
	"testing"
	"time"
)

func TestExpiringWithinTakesDaysAndGoDurations(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"30d":   30 * day,
		"1d":    day,
		"1.5d":  36 * time.Hour,
		"720h":  30 * day,
		"90m":   90 * time.Minute,
		"1h30m": 90 * time.Minute,
	} {
		got, err := parseWindow(in)
		if err != nil || got != want {
			t.Errorf("parseWindow(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0d", "-1d", "-5h", "d", "30", "30x", "30 d", "NaNd", "Infd", "1e9d", "thirty"} {
		_, err := parseWindow(in)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("parseWindow(%q) = %v, want a usage error", in, err)
		}
	}
}
