package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// fastRetries keeps a test's backoff short; the writer takes it from the
// client like every other producer option.
var fastRetries = kgo.RetryBackoffFn(func(int) time.Duration { return 5 * time.Millisecond })

// expectedStream is what the JSON Lines producer writes for n records of
// the test simulation: each topic and key's values in order.
func expectedStream(t *testing.T, n int64) map[string][]string {
	t.Helper()
	var buf bytes.Buffer
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, n
	p, err := NewJSONLinesProducer(&buf, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for line := range strings.Lines(buf.String()) {
		var l struct {
			Topic, Key string
			Value      json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		k := l.Topic + "/" + l.Key
		want[k] = append(want[k], string(l.Value))
	}
	return want
}

// checkDelivered checks that the broker at addr holds exactly the first n
// records of the test simulation: none lost, none twice, every key's in
// order.
func checkDelivered(t *testing.T, addr string, n int64) {
	t.Helper()
	got := map[string][]string{}
	for _, r := range consumeAll(t, addr, int(n), "trades", "quotes") {
		k := r.Topic + "/" + string(r.Key)
		got[k] = append(got[k], string(r.Value))
	}
	if ends := endOffsets(t, newTestAdmin(t, addr), "trades", "quotes"); ends["trades"]+ends["quotes"] != n {
		t.Fatalf("the topics hold %v records, want %d in all", ends, n)
	}
	want := expectedStream(t, n)
	if len(got) != len(want) {
		t.Fatalf("records under %d keys, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Fatalf("%s: %d records differ from the %d expected, or their order does", k, len(got[k]), len(w))
		}
	}
}

// answerAll answers every partition of a produce request with code.
func answerAll(req kmsg.Request, code int16) kmsg.Response {
	pr := req.(*kmsg.ProduceRequest)
	resp := pr.ResponseKind().(*kmsg.ProduceResponse)
	for _, t := range pr.Topics {
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewProduceResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// TestWriterDeliversThroughFaults produces through failures a real cluster
// shows, each injected at the embedded broker or on the way back, and
// checks that the broker ends up with every record once and in order.
func TestWriterDeliversThroughFaults(t *testing.T) {
	const n = 6000
	for _, tc := range []struct {
		name   string
		inject func(b *Broker, p *Producer)
	}{
		{"leaders moving: retriable partition errors", func(b *Broker, _ *Producer) {
			var left atomic.Int32
			left.Store(5)
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				if left.Add(-1) < 0 {
					return nil, nil, false
				}
				b.cluster.KeepControl()
				return answerAll(req, kerr.NotLeaderForPartition.Code), nil, true
			})
		}},
		{"connections closed before the broker read the request", func(b *Broker, _ *Producer) {
			var left atomic.Int32
			left.Store(3)
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
				if left.Add(-1) < 0 {
					return nil, nil, false
				}
				b.cluster.KeepControl()
				return nil, errors.New("injected: connection closed"), true
			})
		}},
		{"answers lost after the broker wrote the batches", func(_ *Broker, p *Producer) {
			var sent atomic.Int32
			real := p.w.send.request
			p.w.send.request = func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error) {
				resp, err := real(ctx, leader, req)
				if i := sent.Add(1); err == nil && i%3 == 2 && i < 30 {
					return nil, errors.New("injected: connection lost after the write")
				}
				return resp, err
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, cl := newTestPipeline(t)
			cl = newTestClient(t, b.Addr(), fastRetries)
			cfg := DefaultProducerConfig()
			cfg.Speed, cfg.Count = 0, n
			p := newTestProducer(t, cl, cfg, nil)
			tc.inject(b, p)
			if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := total(p.Produced()); got != n {
				t.Fatalf("Produced %d records, want %d", got, n)
			}
			if got := counterValue(t, p.metrics.retries); got == 0 {
				t.Error("the retries metric counted no retry")
			}
			checkDelivered(t, b.Addr(), n)
		})
	}
}

// TestWriterFailsTheRunOnce checks the errors that must stop a run: one that
// Kafka says no retry will fix, and a retriable one that outlasts the
// client's record retries. Each ends the run promptly with one error naming
// the topic, and the records that did not land are counted as failed.
func TestWriterFailsTheRunOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int16
		want string
	}{
		{"not retriable", kerr.CorruptMessage.Code, "CORRUPT_MESSAGE"},
		{"retries exhausted", kerr.NotEnoughReplicas.Code, "NOT_ENOUGH_REPLICAS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newTestPipeline(t)
			cl := newTestClient(t, b.Addr(), fastRetries, kgo.RecordRetries(3))
			b.cluster.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				b.cluster.KeepControl()
				return answerAll(req, tc.code), nil, true
			})
			cfg := DefaultProducerConfig()
			cfg.Speed, cfg.Count = 0, 2000
			logs := &testLog{}
			p, err := NewProducer(cl, cfg, slog.New(slog.NewTextHandler(logs, nil)), prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			err = p.Run(testCtx(t), newTestSim(t))
			if err == nil || !strings.Contains(err.Error(), "producing to topic ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error naming the topic and %s", err, tc.want)
			}
			st := p.Stats()
			if st.Acked != 0 || st.Errors == 0 || st.Errors > st.Sent {
				t.Fatalf("stats %+v: want nothing acknowledged and the failed records counted", st)
			}
			if got := counterValue(t, p.metrics.errors); got != float64(st.Errors) {
				t.Fatalf("errors metric %v, want %d", got, st.Errors)
			}
			if n := logs.count("producing failed"); n != 1 {
				t.Fatalf("the failure was logged %d times, want once:\n%s", n, logs.String())
			}
		})
	}
}

// TestPacedRecordsAreNotHeldForALinger runs the producer on events an hour
// apart from now, with a linger of a minute: the first record's batch must
// go to the broker before the loop sleeps for the second, not after.
func TestPacedRecordsAreNotHeldForALinger(t *testing.T) {
	for _, tc := range []struct {
		name  string
		speed float64
	}{
		{"max speed caught up with the wall clock", 0},
		{"real time", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newTestPipeline(t)
			cl := newTestClient(t, b.Addr(), kgo.ProducerLinger(time.Minute))
			cfg := DefaultProducerConfig()
			cfg.Speed = tc.speed
			p := newTestProducer(t, cl, cfg, nil)
			// not testCtx: its deadline would end the sleep and flush
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, &clockSource{next: time.Now(), step: time.Hour}) }()
			waitUntil(t, "the first record acknowledged", func() bool { return total(p.Produced()) == 1 })
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run after cancel = %v, want nil", err)
			}
		})
	}
}

// TestWriterNeedsAllReplicas refuses a client that would not wait for the
// in-sync replicas: the writer's idempotence needs acks=all.
func TestWriterNeedsAllReplicas(t *testing.T) {
	b := newTestBroker(t, "")
	cl := newTestClient(t, b.Addr(), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	_, err := NewProducer(cl, DefaultProducerConfig(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "ProducerOpts") {
		t.Fatalf("NewProducer with acks=1 = %v, want an error pointing at ProducerOpts", err)
	}
}

// TestWriterNamesTopicsWithoutIDs produces through a client whose metadata
// stops below v10, so it learns no topic ids while the broker takes Produce
// v13, which names topics by id only: the writer must fall back to v12.
func TestWriterNamesTopicsWithoutIDs(t *testing.T) {
	b, _ := newTestPipeline(t)
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(kmsg.Metadata.Int16(), 9)
	cl := newTestClient(t, b.Addr(), kgo.MaxVersions(versions))
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, 500
	p := newTestProducer(t, cl, cfg, nil)
	if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkDelivered(t, b.Addr(), 500)
}

// newMovingLeadersTest starts a two-broker cluster with the default topics
// and a producer of n records on it, with small batches and no linger (many
// requests) and retries that outlast the writer's metadata refreshes (every
// 250 ms).
func newMovingLeadersTest(t *testing.T, n int64) (*kfake.Cluster, string, *Producer) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(2), kfake.SeedTopics(3, "trades", "quotes"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	cfg := DefaultProducerConfig()
	cfg.Speed, cfg.Count = 0, n
	cl := newTestClient(t, addr, fastRetries, kgo.RecordRetries(1000), kgo.ProducerLinger(0), kgo.ProducerBatchMaxBytes(16<<10))
	return c, addr, newTestProducer(t, cl, cfg, nil)
}

// stripLeaderHints removes the current leader (KIP-951) from every
// partition of a produce response, as a broker before Kafka 3.7 answers.
func stripLeaderHints(resp kmsg.Response) {
	pr, ok := resp.(*kmsg.ProduceResponse)
	if !ok {
		return
	}
	for i := range pr.Topics {
		for j := range pr.Topics[i].Partitions {
			pr.Topics[i].Partitions[j].CurrentLeader = kmsg.NewProduceResponseTopicPartitionCurrentLeader()
		}
	}
}

// TestWriterFollowsMovingLeaders produces to a two-broker cluster and moves
// every partition to the other broker just before every third produce
// request, nine times: that request goes to a broker that no longer leads and
// is refused. The writer must find the new leaders, from the refusal's
// leader hint (KIP-951) or from metadata, each alone able to do it, and
// resend there, keeping every record once and in order.
func TestWriterFollowsMovingLeaders(t *testing.T) {
	const n, moves = 15_000, 9 // odd: the last move puts every partition on broker 1
	for _, tc := range []struct {
		name             string
		hints, freshMeta bool
	}{
		{"hints and metadata", true, true},
		{"hints alone: metadata stays as it was first", true, false},
		{"metadata alone: refusals name no leader", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, addr, p := newMovingLeadersTest(t, n)
			send := p.w.send
			var (
				mu             sync.Mutex
				requests, made int
				moveErr        error
			)
			realRequest := send.request
			send.request = func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error) {
				mu.Lock()
				if requests++; requests%3 == 0 && made < moves {
					made++
					for _, topic := range []string{"trades", "quotes"} {
						for part := range int32(3) {
							moveErr = errors.Join(moveErr, c.MoveTopicPartition(topic, part, int32(made%2)))
						}
					}
				}
				mu.Unlock()
				resp, err := realRequest(ctx, leader, req)
				if !tc.hints {
					stripLeaderHints(resp)
				}
				return resp, err
			}
			if !tc.freshMeta {
				realMeta := send.metadata
				first := map[string]topicMeta{} // the sender asks on one goroutine at a time
				send.metadata = func(ctx context.Context, topics []string) (map[string]topicMeta, error) {
					md, err := realMeta(ctx, topics)
					if err != nil {
						return nil, err
					}
					for topic, m := range md {
						if old, ok := first[topic]; ok {
							md[topic] = old // what the first answer said, however stale
						} else {
							first[topic] = m
						}
					}
					return md, nil
				}
			}
			if err := p.Run(testCtx(t), newTestSim(t)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if made != moves || moveErr != nil {
				t.Fatalf("%d moves of %d over %d requests: %v", made, moves, requests, moveErr)
			}
			if got := counterValue(t, p.metrics.retries); got < moves {
				t.Fatalf("%v batches retried, want at least one a move (%d)", got, moves)
			}
			if got := total(p.Produced()); got != n {
				t.Fatalf("Produced %d records, want %d", got, n)
			}
			checkDelivered(t, addr, n)
		})
	}
}

// TestWriterStartHonoursCancel starts a producer on a port nobody listens
// on and cancels it: Run must return with the cancellation instead of
// trying to reach the cluster for minutes.
func TestWriterStartHonoursCancel(t *testing.T) {
	cl := newTestClient(t, "127.0.0.1:1")
	cfg := DefaultProducerConfig()
	cfg.Speed = 0
	p := newTestProducer(t, cl, cfg, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, newTestSim(t)) }()
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel = %v, want the cancellation", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run ignored the cancellation while it looked for the cluster")
	}
}

// TestWriterRefreshesLeadersAfterARefusal moves a partition to the other of
// two brokers once, just before a request to it, and strips the leader hint
// from the refusal: only a metadata refresh asked for by the refusal can find
// the new leader (the stale one never becomes right again).
func TestWriterRefreshesLeadersAfterARefusal(t *testing.T) {
	const n = 5000
	c, addr, p := newMovingLeadersTest(t, n)
	var requests atomic.Int32
	realRequest := p.w.send.request
	p.w.send.request = func(ctx context.Context, leader int32, req kmsg.Request) (kmsg.Response, error) {
		if requests.Add(1) == 3 {
			for part := range int32(3) {
				if err := c.MoveTopicPartition("trades", part, 1-leader); err != nil {
					return nil, err
				}
			}
		}
		resp, err := realRequest(ctx, leader, req)
		stripLeaderHints(resp)
		return resp, err
	}
	// one symbol's trades, all in the past: one partition, no pacing
	src := &clockSource{next: time.Now().Add(-time.Hour), step: time.Microsecond}
	if err := p.Run(testCtx(t), src); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := counterValue(t, p.metrics.retries); got == 0 {
		t.Fatal("no batch was refused: the move did not happen under a request")
	}
	recs := consumeAll(t, addr, n, "trades")
	for i, r := range recs {
		var v struct{ Seq int64 }
		if err := json.Unmarshal(r.Value, &v); err != nil || v.Seq != int64(i+1) {
			t.Fatalf("record %d of %d has seq %d (%v): lost, doubled or out of order", i, len(recs), v.Seq, err)
		}
	}
}

// TestProduceRequestNamesEachTopicOnce builds a request from partitions of
// two topics in interleaved order: Kafka expects each topic once.
func TestProduceRequestNamesEachTopicOnce(t *testing.T) {
	var parts []*partition
	for i, topic := range []string{"trades", "quotes", "trades", "quotes"} {
		p := &partition{topic: topic, id: int32(i), topicID: [16]byte{byte(len(topic))}}
		p.queue = []*batch{{wire: []byte{byte(i)}}}
		parts = append(parts, p)
	}
	req := (&sender{}).produceRequest(parts).(*kmsg.ProduceRequest)
	var got []string
	for _, rt := range req.Topics {
		got = append(got, fmt.Sprintf("%s %d", rt.Topic, len(rt.Partitions)))
	}
	if fmt.Sprint(got) != "[trades 2 quotes 2]" {
		t.Fatalf("request topics %v, want each topic once with its two partitions", got)
	}
}
