package sink

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// gathered returns the value of a counter or gauge series with the given
// topic label, and whether it exists.
func gathered(t *testing.T, reg *prometheus.Registry, name, topic string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "topic" && l.GetValue() == topic {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue(), true
					}
					return m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func TestMetricsCountWhatWasWritten(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	prod.produce(t, 70, 30)
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig()
	cfg.Group, cfg.Drain = "metrics", true
	s, err := New(cfg, store, []kgo.Opt{kgo.SeedBrokers(brokers...)}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	tests := []struct {
		name, metric, topic string
		want                float64
	}{
		{"consumed trades", "ticklake_sink_records_consumed_total", tick.TopicTrades, 70},
		{"written quotes", "ticklake_sink_records_written_total", tick.TopicQuotes, 30},
		{"lag trades", "ticklake_sink_lag_records", tick.TopicTrades, 0},
		{"files trades", "ticklake_sink_files_total", tick.TopicTrades, float64(s.Stats().Topics[tick.TopicTrades].Files)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := gathered(t, reg, tc.metric, tc.topic); !ok || got != tc.want {
				t.Errorf("%s{topic=%q} = %v (present %v), want %v", tc.metric, tc.topic, got, ok, tc.want)
			}
		})
	}
	if _, err := New(cfg, store, nil, nil, reg); err == nil {
		t.Error("New registered the same metrics twice without an error")
	}
}
