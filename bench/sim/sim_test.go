// Package sim benchmarks the market simulator alone: events per second on
// one core, the figure docs/benchmarks.md records.
package sim

import (
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/sim"
	"github.com/ticklake/ticklake/internal/tick"
)

var sink tick.Event

// BenchmarkNext measures sim.Next over the whole default universe from a
// Monday's open; b.N events, reported as events/s.
func BenchmarkNext(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Start: time.Date(2025, 11, 24, 14, 30, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sink = s.Next()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkNextJSON adds the wire encoding every producer pays for.
func BenchmarkNextJSON(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Start: time.Date(2025, 11, 24, 14, 30, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = s.Next().AppendJSON(buf[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
