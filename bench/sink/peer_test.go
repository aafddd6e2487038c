package sink

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/s3test"
	"github.com/ticklake/ticklake/internal/tick"
)

// peerRecords caps the records the tutorial's pattern writes: it stores one
// object per message, so a million would take hours.
const peerRecords = 3000

// tutorialConsume is the original tutorial's consumer: poll, then write each
// message as its own JSON object, then commit. It returns the records per
// second over n records.
func tutorialConsume(b *testing.B, addr string, store lake.Store, n int) float64 {
	b.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup(fmt.Sprintf("tutorial-%d", time.Now().UnixNano())),
		kgo.ConsumeTopics(tick.TopicTrades), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	start := time.Now()
	done := 0
	for done < n {
		fs := cl.PollRecords(ctx, n-done)
		for _, r := range fs.Records() {
			key := fmt.Sprintf("tutorial/%s/%d/%d.json", r.Topic, r.Partition, r.Offset)
			if err := store.Put(ctx, key, r.Value); err != nil {
				b.Fatal(err)
			}
			done++
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			b.Fatal(err)
		}
	}
	return float64(done) / time.Since(start).Seconds()
}

// benchVersusTutorial sinks b.N trades with ticklake's sink, then writes
// peerRecords of them with the tutorial's pattern to the same kind of lake,
// and reports both rates and their ratio.
func benchVersusTutorial(b *testing.B, newStore func(b *testing.B) lake.Store) {
	br, cl := newBroker(b, 8)
	produceTrades(b, cl, max(b.N, peerRecords))
	store := newStore(b)
	b.ResetTimer()
	start := time.Now()
	st := runSink(b, br.Addr(), store)
	el := time.Since(start)
	b.StopTimer()
	if got := st.Topics[tick.TopicTrades].Written; got < int64(b.N) {
		b.Fatalf("wrote %d rows, want %d", got, b.N)
	}
	rate := float64(st.Topics[tick.TopicTrades].Written) / el.Seconds()
	peer := tutorialConsume(b, br.Addr(), newStore(b), peerRecords)
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(peer, "tutorial_records/s")
	b.ReportMetric(rate/peer, "ratio")
}

// BenchmarkVersusTutorialDir compares on a local lake.
func BenchmarkVersusTutorialDir(b *testing.B) { benchVersusTutorial(b, newDirLake) }

// BenchmarkVersusTutorialS3 compares on versitygw (TICKLAKE_TEST_VERSITYGW).
func BenchmarkVersusTutorialS3(b *testing.B) {
	srv := s3test.Start(b)
	n := 0
	benchVersusTutorial(b, func(b *testing.B) lake.Store {
		n++
		return srv.Store(b, fmt.Sprintf("lake%d", n))
	})
}
