package sim

import (
	"fmt"
	"time"
	_ "time/tzdata" // sessions are in America/New_York even where the OS has no zoneinfo
)

// Session boundaries, in minutes after the day's pre-market open (04:00 ET).
const (
	minutesPerDay = 16 * 60 // 04:00–20:00 ET
	regularOpen   = 330     // 09:30
	regularClose  = 720     // 16:00
	regularLen    = regularClose - regularOpen
	minuteNs      = int64(time.Minute)
)

// exchangeHolidays are the NYSE/Nasdaq full-day closures of 2024–2028;
// outside those years only weekends are closed.
var exchangeHolidays = map[string]bool{
	"2024-01-01": true, "2024-01-15": true, "2024-02-19": true, "2024-03-29": true, "2024-05-27": true,
	"2024-06-19": true, "2024-07-04": true, "2024-09-02": true, "2024-11-28": true, "2024-12-25": true,
	"2025-01-01": true, "2025-01-09": true, "2025-01-20": true, "2025-02-17": true, "2025-04-18": true,
	"2025-05-26": true, "2025-06-19": true, "2025-07-04": true, "2025-09-01": true, "2025-11-27": true,
	"2025-12-25": true,
	"2026-01-01": true, "2026-01-19": true, "2026-02-16": true, "2026-04-03": true, "2026-05-25": true,
	"2026-06-19": true, "2026-07-03": true, "2026-09-07": true, "2026-11-26": true, "2026-12-25": true,
	"2027-01-01": true, "2027-01-18": true, "2027-02-15": true, "2027-03-26": true, "2027-05-31": true,
	"2027-06-18": true, "2027-07-05": true, "2027-09-06": true, "2027-11-25": true, "2027-12-24": true,
	"2028-01-17": true, "2028-02-21": true, "2028-04-14": true, "2028-05-29": true, "2028-06-19": true,
	"2028-07-04": true, "2028-09-04": true, "2028-11-23": true, "2028-12-25": true,
}

// newYork loads the exchange time zone; the embedded tzdata makes this
// infallible in practice.
func newYork() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(fmt.Sprintf("sim: loading America/New_York: %v", err))
	}
	return loc
}

// IsTradingDay reports whether the exchange opens on the New York date of t.
func IsTradingDay(t time.Time) bool {
	t = t.In(newYork())
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !exchangeHolidays[t.Format(time.DateOnly)]
}

// Session names the trading session at t: "pre", "regular", "after", or
// "closed" (night, weekend or holiday).
func Session(t time.Time) string {
	t = t.In(newYork())
	if !IsTradingDay(t) {
		return "closed"
	}
	m := t.Hour()*60 + t.Minute() - 4*60
	switch {
	case m < 0 || m >= minutesPerDay:
		return "closed"
	case m < regularOpen:
		return "pre"
	case m < regularClose:
		return "regular"
	}
	return "after"
}

// DefaultStart is the simulated start for a live run at wall time now: now
// itself during the regular session; otherwise the most recent regular
// session open, with a note saying so for the banner, so a run at night, at
// the weekend or on a holiday still shows a trading market.
func DefaultStart(now time.Time) (start time.Time, note string) {
	if Session(now) == "regular" {
		return now, ""
	}
	ny := now.In(newYork())
	day := time.Date(ny.Year(), ny.Month(), ny.Day(), 9, 30, 0, 0, ny.Location())
	for !IsTradingDay(day) || day.After(now) {
		d := day.AddDate(0, 0, -1)
		day = time.Date(d.Year(), d.Month(), d.Day(), 9, 30, 0, 0, d.Location())
	}
	note = fmt.Sprintf("the US market is closed now (%s); simulating from the last regular session open, %s",
		ny.Format("Mon 15:04 MST"), day.Format("Mon 2006-01-02 15:04 MST"))
	return day.UTC(), note
}

// calendar maps the simulator's trading-minute index to wall time: minute k
// is minute k%minutesPerDay after 04:00 ET of trading day k/minutesPerDay,
// counted from the first trading day at or after the start.
type calendar struct {
	loc  *time.Location
	days []int64 // 04:00 ET of each trading day, ns since the epoch
	next time.Time
}

// newCalendar starts at the trading day whose sessions are open at or next
// after start, and returns the minute index holding start (or the first
// minute after it).
func newCalendar(start time.Time) (*calendar, int64) {
	loc := newYork()
	s := start.In(loc)
	c := &calendar{loc: loc, next: time.Date(s.Year(), s.Month(), s.Day(), 4, 0, 0, 0, loc)}
	startNs := start.UnixNano()
	for {
		day := c.dayStart(0)
		if startNs < day+minutesPerDay*minuteNs {
			if startNs <= day {
				return c, 0
			}
			return c, (startNs - day) / minuteNs
		}
		c.days = c.days[1:]
	}
}

// dayStart returns 04:00 ET of trading day d, extending the calendar.
func (c *calendar) dayStart(d int64) int64 {
	for int64(len(c.days)) <= d {
		if IsTradingDay(c.next) {
			c.days = append(c.days, c.next.UnixNano())
		}
		n := c.next.AddDate(0, 0, 1)
		c.next = time.Date(n.Year(), n.Month(), n.Day(), 4, 0, 0, 0, c.loc)
	}
	return c.days[d]
}

// minuteStart returns the wall time (ns) at which trading minute k begins.
func (c *calendar) minuteStart(k int64) int64 {
	return c.dayStart(k/minutesPerDay) + (k%minutesPerDay)*minuteNs
}
