package kafka

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestStartBrokerListensWhereAsked(t *testing.T) {
	b := newTestBroker(t, "")
	host, port, err := net.SplitHostPort(b.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr() = %q, want 127.0.0.1 with a real port", b.Addr())
	}
	adm := newTestAdmin(t, b.Addr())
	brokers, err := adm.ListBrokers(testCtx(t))
	if err != nil {
		t.Fatalf("ListBrokers: %v", err)
	}
	if len(brokers) != 1 || brokers[0].Port != mustPort(t, port) {
		t.Fatalf("brokers = %+v, want one on port %s", brokers, port)
	}
}

func mustPort(t *testing.T, s string) int32 {
	t.Helper()
	p, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return int32(p)
}

func TestStartBrokerPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = StartBroker(BrokerConfig{Listen: addr}, nil)
	want := "listening on " + addr + ": address already in use; pass --kafka-listen 127.0.0.1:0 or another port, or stop the other process"
	if err == nil || err.Error() != want {
		t.Fatalf("StartBroker on a taken port = %v\nwant %s", err, want)
	}
}

func TestBrokerConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     BrokerConfig
		wantErr string
	}{
		{"default", DefaultBrokerConfig(), ""},
		{"any port", BrokerConfig{Listen: "127.0.0.1:0"}, ""},
		{"no port", BrokerConfig{Listen: "127.0.0.1"}, "not host:port"},
		{"empty", BrokerConfig{}, "not host:port"},
		{"bad port", BrokerConfig{Listen: "127.0.0.1:99999"}, "not 0-65535"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestBrokerPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	b, err := StartBroker(BrokerConfig{Listen: "127.0.0.1:0", DataDir: dir}, nil)
	if err != nil {
		t.Fatalf("StartBroker: %v", err)
	}
	adm := newTestAdmin(t, b.Addr())
	ensureTestTopic(t, adm, "persist", 1)
	cl := newTestClient(t, b.Addr())
	for i := range 10 {
		rec := &kgo.Record{Topic: "persist", Key: []byte("k"), Value: []byte{byte('a' + i)}}
		if err := cl.ProduceSync(testCtx(t), rec).FirstErr(); err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "persist", Partition: 0, At: 4, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(testCtx(t), "sink", offs); err != nil {
		t.Fatalf("committing: %v", err)
	}
	cl.Close()
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b2 := newTestBroker(t, dir)
	adm2 := newTestAdmin(t, b2.Addr())
	if got := endOffsets(t, adm2, "persist")["persist"]; got != 10 {
		t.Fatalf("after restart the topic ends at %d, want 10", got)
	}
	recs := consumeAll(t, b2.Addr(), 10, "persist")
	if string(recs[0].Value) != "a" || string(recs[9].Value) != "j" {
		t.Fatalf("after restart read %q..%q, want a..j", recs[0].Value, recs[9].Value)
	}
	committed, err := adm2.FetchOffsets(testCtx(t), "sink")
	if err != nil {
		t.Fatalf("FetchOffsets: %v", err)
	}
	if o, ok := committed.Lookup("persist", 0); !ok || o.At != 4 {
		t.Fatalf("after restart the group's commit is %+v, want 4", o)
	}
}

func TestBrokerRetentionBackstop(t *testing.T) {
	b, err := StartBroker(BrokerConfig{Listen: "127.0.0.1:0", RetentionBytes: 12345}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	rcs, err := newTestAdmin(t, b.Addr()).DescribeBrokerConfigs(testCtx(t))
	if err != nil {
		t.Fatalf("DescribeBrokerConfigs: %v", err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key == "log.retention.bytes" {
				if c.MaybeValue() != "12345" {
					t.Fatalf("log.retention.bytes = %q, want 12345", c.MaybeValue())
				}
				return
			}
		}
	}
	t.Fatal("broker does not report log.retention.bytes")
}
