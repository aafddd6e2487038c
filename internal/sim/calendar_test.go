package sim

import (
	"strings"
	"testing"
	"time"
)

func nyTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, newYork())
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestSession(t *testing.T) {
	tests := []struct {
		name, at, want string
	}{
		{"pre-market", "2025-11-24 04:00", "pre"},
		{"before pre-market", "2025-11-24 03:59", "closed"},
		{"open", "2025-11-24 09:30", "regular"},
		{"last regular minute", "2025-11-24 15:59", "regular"},
		{"after hours", "2025-11-24 16:00", "after"},
		{"night", "2025-11-24 20:00", "closed"},
		{"saturday", "2025-11-22 12:00", "closed"},
		{"thanksgiving", "2025-11-27 12:00", "closed"},
		{"good friday 2026", "2026-04-03 12:00", "closed"},
		{"summer time", "2025-07-08 09:30", "regular"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Session(nyTime(t, tc.at)); got != tc.want {
				t.Fatalf("Session(%s ET) = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
}

func TestDefaultStart(t *testing.T) {
	tests := []struct {
		name, now, want string
		noted           bool
	}{
		{"during the session", "2025-11-24 10:15", "2025-11-24 10:15", false},
		{"sunday night", "2025-11-23 23:00", "2025-11-21 09:30", true},
		{"early morning", "2025-11-25 08:00", "2025-11-24 09:30", true},
		{"evening", "2025-11-25 17:00", "2025-11-25 09:30", true},
		{"holiday", "2025-12-25 12:00", "2025-12-24 09:30", true},
		{"monday after new year", "2026-01-01 11:00", "2025-12-31 09:30", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, note := DefaultStart(nyTime(t, tc.now))
			if want := nyTime(t, tc.want); !start.Equal(want) {
				t.Fatalf("DefaultStart(%s ET) = %s, want %s ET", tc.now, start.In(newYork()), tc.want)
			}
			if (note != "") != tc.noted || (tc.noted && !strings.Contains(note, "closed")) {
				t.Fatalf("note %q; want a note only when the market is closed", note)
			}
		})
	}
}

func TestCalendarSkipsClosedDays(t *testing.T) {
	tests := []struct {
		name, start, firstMinute string
	}{
		{"saturday", "2025-11-22 10:00", "2025-11-24 04:00"},
		{"friday night", "2025-11-21 21:00", "2025-11-24 04:00"},
		{"inside a session", "2025-11-24 10:00", "2025-11-24 10:00"},
		{"thanksgiving eve night", "2025-11-26 22:00", "2025-11-28 04:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal, k := newCalendar(nyTime(t, tc.start))
			got := time.Unix(0, cal.minuteStart(k)).In(newYork())
			if want := nyTime(t, tc.firstMinute); !got.Equal(want) {
				t.Fatalf("first minute %s, want %s", got, want)
			}
			// the minute after 19:59 is the next trading day's 04:00
			last := k - k%minutesPerDay + minutesPerDay - 1
			next := time.Unix(0, cal.minuteStart(last+1)).In(newYork())
			if next.Hour() != 4 || next.Minute() != 0 || !IsTradingDay(next) {
				t.Fatalf("minute after the day's last is %s", next)
			}
		})
	}
}
