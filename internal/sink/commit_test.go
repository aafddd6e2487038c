package sink

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/internal/tick"
)

// TestHeldCommitsDoNotHoldTheLoop: while Kafka keeps a commit's answer
// back, the loop goes on consuming and landing flights; once the answers
// come, the group's offsets reach the end of every landed range.
func TestHeldCommitsDoNotHoldTheLoop(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, tick.TopicTrades, tick.TopicQuotes))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	release := make(chan struct{})
	var held atomic.Int32
	c.ControlKey(int16(kmsg.OffsetCommit), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		held.Add(1)
		c.SleepControl(func() { <-release })
		return nil, nil, false // then answered as Kafka would
	})
	brokers := c.ListenAddrs()
	store := newTestLake(t)
	prod := newSpreadProducer(t, brokers)
	spread(t, prod, 100, 3)
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushRows, c.FlushInterval = 40, time.Hour })
	cancel, wait := startSink(t, s)
	defer cancel()

	waitFor(t, "a commit held back", func() bool { return held.Load() >= 1 })
	spread(t, prod, 100, 3) // 200 a partition: five whole ranges each
	waitFor(t, "every record written while the commit is held back", func() bool {
		return s.Stats().Topics[tick.TopicTrades].Written == 600
	})
	close(release)

	adm := kadm.NewClient(prod.cl)
	var committed int64
	waitFor(t, "the group's offsets at the end of every range", func() bool {
		offs, err := adm.FetchOffsets(context.Background(), s.cfg.Group)
		if err != nil {
			return false
		}
		committed = 0
		offs.Each(func(o kadm.OffsetResponse) { committed += o.At })
		return committed == 600
	})
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkOffsets(t, tick.TopicTrades, readLake(t, store)[tick.TopicTrades], prod.hw, nil)
	checkChains(t, store, prod.hw)
}

// TestRefusedCommitsAreSentAgain: commits of landed flights that Kafka
// refuses are counted as errors and sent again, until the group's offsets
// reach the end of every landed range.
func TestRefusedCommitsAreSentAgain(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, tick.TopicTrades, tick.TopicQuotes))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var refused atomic.Int32
	c.ControlKey(int16(kmsg.OffsetCommit), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if refused.Load() >= 3 {
			return nil, nil, false
		}
		refused.Add(1)
		req := kreq.(*kmsg.OffsetCommitRequest)
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		resp.Version = req.Version
		for _, rt := range req.Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.OffsetMetadataTooLarge.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	brokers := c.ListenAddrs()
	store := newTestLake(t)
	prod := newSpreadProducer(t, brokers)
	spread(t, prod, 200, 3) // five whole ranges a partition
	s := newTestSink(t, brokers, store, func(c *Config) { c.FlushRows, c.FlushInterval = 40, time.Hour })
	cancel, wait := startSink(t, s)
	defer cancel()

	adm := kadm.NewClient(prod.cl)
	waitFor(t, "the group's offsets at the end of every range after refusals", func() bool {
		offs, err := adm.FetchOffsets(context.Background(), s.cfg.Group)
		if err != nil {
			return false
		}
		var committed int64
		offs.Each(func(o kadm.OffsetResponse) { committed += o.At })
		return committed == 600
	})
	if st := s.Stats(); refused.Load() < 3 || st.Errors < 3 {
		t.Errorf("%d commits refused, %d errors counted; want 3 and at least 3", refused.Load(), st.Errors)
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
