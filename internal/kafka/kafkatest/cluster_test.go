package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestSingleNodeProducesAndRestarts(t *testing.T) {
	c := New(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Admin().CreateTopic(ctx, 1, 1, nil, "smoke"); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.DefaultProduceTopic("smoke"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, kgo.StringRecord("one")).FirstErr(); err != nil {
		t.Fatalf("producing to a fresh node: %v", err)
	}
	if err := c.Kill(0); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, kgo.StringRecord("two")).FirstErr(); err != nil {
		t.Fatalf("producing after kill -9 and restart: %v", err)
	}
	ends, err := c.Admin().ListEndOffsets(ctx, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := ends.Lookup("smoke", 0); o.Offset != 2 {
		t.Fatalf("high watermark after restart = %d, want 2 (the log survived kill -9)", o.Offset)
	}
}
