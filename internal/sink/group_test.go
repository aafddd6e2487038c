package sink

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestGroupRefusalStopsTheSink: a session timeout the broker refuses is not
// retried forever; Run returns one line naming the flag to fix.
func TestGroupRefusalStopsTheSink(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, tick.TopicTrades, tick.TopicQuotes),
		kfake.GroupMinSessionTimeout(6*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	newTestProducer(t, brokers).produce(t, 10, 10)
	s := newTestSink(t, brokers, newTestLake(t), func(c *Config) { c.SessionTimeout = 4 * time.Second })
	_, wait := startSink(t, s)
	err = wait()
	if err == nil || !strings.Contains(err.Error(), "--session-timeout") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run = %v; want one line naming --session-timeout", err)
	}
}
