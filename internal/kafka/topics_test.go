package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestEnsureTopicsIdempotentWithConfigs(t *testing.T) {
	b := newTestBroker(t, "")
	adm := newTestAdmin(t, b.Addr())
	specs := DefaultTopics(true)
	for i := range 2 {
		if err := EnsureTopics(testCtx(t), adm, specs...); err != nil {
			t.Fatalf("EnsureTopics call %d: %v", i+1, err)
		}
	}
	details, err := adm.ListTopics(testCtx(t), "trades", "quotes")
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	for _, s := range specs {
		if n := len(details[s.Name].Partitions); n != 3 {
			t.Errorf("%s has %d partitions, want 3", s.Name, n)
		}
	}
	configs, err := adm.DescribeTopicConfigs(testCtx(t), "trades", "quotes")
	if err != nil {
		t.Fatalf("DescribeTopicConfigs: %v", err)
	}
	want := map[string]string{
		ConfigRetentionMs:        "-1",
		ConfigRetentionBytes:     "1073741824",
		ConfigTimestampBeforeMax: "9223372036854775807",
		ConfigTimestampAfterMax:  "9223372036854775807",
	}
	for _, rc := range configs {
		got := map[string]string{}
		for _, c := range rc.Configs {
			got[c.Key] = c.MaybeValue()
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", rc.Name, k, got[k], v)
			}
		}
	}
}

func TestTopicSpecValidate(t *testing.T) {
	ok := TopicSpec{Name: "t", Partitions: 3, ReplicationFactor: -1, RetentionMs: -1, RetentionBytes: 1}
	tests := []struct {
		name    string
		edit    func(*TopicSpec)
		wantErr string
	}{
		{"ok", func(*TopicSpec) {}, ""},
		{"no name", func(s *TopicSpec) { s.Name = "" }, "name is empty"},
		{"zero partitions", func(s *TopicSpec) { s.Partitions = 0 }, "partitions 0"},
		{"zero rf", func(s *TopicSpec) { s.ReplicationFactor = 0 }, "replication factor 0"},
		{"zero retention.ms", func(s *TopicSpec) { s.RetentionMs = 0 }, "retention.ms 0"},
		{"zero retention.bytes", func(s *TopicSpec) { s.RetentionBytes = 0 }, "retention.bytes 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFarTimestampsAccepted(t *testing.T) {
	b := newTestBroker(t, "")
	adm := newTestAdmin(t, b.Addr())
	if err := EnsureTopics(testCtx(t), adm, DefaultTopics(true)...); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond)
	stamps := []time.Time{now.AddDate(0, 0, 30), now.AddDate(-5, 0, 0)}
	cl := newTestClient(t, b.Addr())
	for _, ts := range stamps {
		rec := &kgo.Record{Topic: "trades", Key: []byte("AAPL"), Value: []byte("{}"), Timestamp: ts}
		if err := cl.ProduceSync(testCtx(t), rec).FirstErr(); err != nil {
			t.Fatalf("producing a record stamped %v: %v", ts, err)
		}
	}
	got := consumeAll(t, b.Addr(), 2, "trades")
	for _, r := range got {
		if !r.Timestamp.Equal(stamps[0]) && !r.Timestamp.Equal(stamps[1]) {
			t.Fatalf("read back timestamp %v, want one of %v", r.Timestamp, stamps)
		}
	}
}
