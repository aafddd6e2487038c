package sink

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestLogBehindTheLakeStopsTheSink: a broker that comes back with a log
// shorter than what the lake holds (here the embedded broker, which reloads
// a log deleted to its end as empty from offset 0) hands out new records at
// offsets the lake already has. The sink must not take them for written
// ones: it stops with one line saying what happened.
func TestLogBehindTheLakeStopsTheSink(t *testing.T) {
	dir := t.TempDir()
	store := newTestLake(t)
	start := func() (*kfake.Cluster, []string) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SeedTopics(1, tick.TopicTrades, tick.TopicQuotes))
		if err != nil {
			t.Fatal(err)
		}
		return c, c.ListenAddrs()
	}
	c, brokers := start()
	newTestProducer(t, brokers).produce(t, 20, 20)
	runDrain(t, brokers, store, func(c *Config) { c.Group = "regress" })

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(context.Background(), tick.TopicTrades, tick.TopicQuotes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.DeleteRecords(context.Background(), ends.Offsets()); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	c.Close()

	c, brokers = start()
	t.Cleanup(c.Close)
	newTestProducer(t, brokers).produce(t, 5, 5)
	s := newTestSink(t, brokers, store, func(c *Config) { c.Group = "regress" })
	_, wait := startSink(t, s)
	err = wait()
	if err == nil || !strings.Contains(err.Error(), "lost acknowledged records") || !strings.Contains(err.Error(), "but the lake holds it up to 20") {
		t.Fatalf("Run = %v; want the log behind the lake named", err)
	}
}
