package sink

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/internal/tick"
)

// newUnknownTopicCluster starts a cluster whose first n metadata answers
// naming topic say it does not exist, as Kafka may right after creating it,
// and counts those answers.
func newUnknownTopicCluster(t *testing.T, topic string, n int32) ([]string, *atomic.Int32) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, tick.TopicTrades, tick.TopicQuotes))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	var answered atomic.Int32
	c.ControlKey(int16(kmsg.Metadata), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.MetadataRequest)
		if !namesTopic(req, topic) || answered.Load() >= n {
			return nil, nil, false
		}
		answered.Add(1)
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		resp.Version = req.Version
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = 0, host, int32(port)
		resp.Brokers = append(resp.Brokers, b)
		rt := kmsg.NewMetadataResponseTopic()
		rt.Topic, rt.ErrorCode = kmsg.StringPtr(topic), kerr.UnknownTopicOrPartition.Code
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
	return []string{addr}, &answered
}

func namesTopic(req *kmsg.MetadataRequest, topic string) bool {
	for _, rt := range req.Topics {
		if rt.Topic != nil && *rt.Topic == topic {
			return true
		}
	}
	return false
}

// TestIdentifyAssignedWaitsForTheTopicID: a topic assigned while Kafka does
// not describe it yet is asked for again until its id is known, so that no
// marker is written without it (one that was would be refused, stopping the
// sink, once the id is known).
func TestIdentifyAssignedWaitsForTheTopicID(t *testing.T) {
	tests := []struct {
		name     string
		topic    string
		unknown  int32 // answers that do not know the topic
		wait     time.Duration
		wantErr  bool
		wantAsks int32
	}{
		{"created a moment ago", tick.TopicQuotes, 3, 20 * time.Second, false, 3},
		{"never described", "nosuch", 1 << 30, 300 * time.Millisecond, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers, answered := newUnknownTopicCluster(t, tc.topic, tc.unknown)
			s := newTestSink(t, brokers, newTestLake(t), nil)
			meta, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(meta.Close)
			s.meta = meta
			err = s.identifyAssigned(context.Background(), tc.topic, tc.wait)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.topic) {
					t.Fatalf("err = %v, want one naming %q", err, tc.topic)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := answered.Load(); got != tc.wantAsks {
				t.Errorf("%d answers did not know the topic, want %d", got, tc.wantAsks)
			}
			if s.claims.topicIDs[tc.topic] == "" || s.claims.clusterID == "" {
				t.Errorf("ids after waiting: cluster %q, topic %q; want both", s.claims.clusterID, s.claims.topicIDs[tc.topic])
			}
		})
	}
}
