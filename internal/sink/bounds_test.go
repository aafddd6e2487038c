package sink

import (
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

func TestBufferCapFlushesEarlyWithoutLoss(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Config)
		minRanges int
		maxPeak   int64
	}{
		{"flush bytes", func(c *Config) { c.FlushBytes = 8 << 10 }, 12, 0},
		// The records (about 220 KiB with their row overhead) arrive in one
		// poll, each partition below FlushBytes: only the total cap keeps
		// the peak below it.
		{"max buffer bytes", func(c *Config) { c.FlushBytes = 120 << 10; c.MaxBufferBytes = 120 << 10 }, 1, 120 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newTestCluster(t)
			store := newTestLake(t)
			prod := newTestProducer(t, brokers)
			prod.produce(t, 400, 400) // about 100 KiB of values
			s := runDrain(t, brokers, store, func(c *Config) {
				c.FlushInterval = time.Hour
				tc.edit(c)
			})
			rows := readLake(t, store)
			checkOffsets(t, tick.TopicTrades, rows[tick.TopicTrades], prod.hw, nil)
			checkOffsets(t, tick.TopicQuotes, rows[tick.TopicQuotes], prod.hw, nil)
			n := 0
			for pk := range prod.hw {
				n += len(readMarkers(t, store, pk.topic, pk.part))
			}
			if n < tc.minRanges {
				t.Errorf("%d flush ranges, want at least %d: the byte caps did not flush early", n, tc.minRanges)
			}
			if p := s.Stats().PeakBufferedBytes; tc.maxPeak > 0 && p > tc.maxPeak {
				t.Errorf("PeakBufferedBytes = %d, want at most MaxBufferBytes %d", p, tc.maxPeak)
			}
			if b := s.Stats().BufferedBytes; b != 0 {
				t.Errorf("BufferedBytes = %d after the drain, want 0", b)
			}
		})
	}
}

func TestFreshnessIsMeasuredFromTheProduceHeader(t *testing.T) {
	brokers := newTestCluster(t)
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	var recs []*kgo.Record
	for i := range 50 {
		tr := tick.Trade{Symbol: "AAPL", Ts: eventBase.UnixNano() + int64(i), Price: 1, Size: 1, Seq: int64(i)}
		recs = append(recs, &kgo.Record{Topic: tick.TopicTrades, Value: tr.AppendJSON(nil), Timestamp: eventBase,
			Headers: []kgo.RecordHeader{{Key: tick.HeaderProducedAt, Value: []byte(strconv.FormatInt(time.Now().UnixNano(), 10))}}})
	}
	prod.send(t, recs...)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushInterval = 100 * time.Millisecond })
	startSink(t, s)
	waitFor(t, "the records in files", func() bool { return s.Stats().Topics[tick.TopicTrades].Written == 50 })
	st := s.Stats()
	if st.FreshnessP50 <= 0 || st.FreshnessP99 < st.FreshnessP50 {
		t.Errorf("freshness p50 %v p99 %v, want 0 < p50 <= p99", st.FreshnessP50, st.FreshnessP99)
	}
}

func TestFreshnessQuantiles(t *testing.T) {
	f := newFreshness()
	now := time.Unix(1000, 0)
	var produced []int64
	for i := range 100 {
		produced = append(produced, now.Add(-time.Duration(i+1)*10*time.Millisecond).UnixNano())
	}
	f.observeAll(produced, now)
	tests := []struct {
		name string
		q    float64
		want time.Duration
	}{
		{"p50", 0.5, 500 * time.Millisecond},
		{"p99", 0.99, 990 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.quantile(tc.q)
			if got < tc.want || got > tc.want*11/10 {
				t.Errorf("quantile(%v) = %v, want within 10%% above %v", tc.q, got, tc.want)
			}
		})
	}
}
