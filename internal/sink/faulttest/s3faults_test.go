package faulttest

import (
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/faultproxy"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

// TestS3Faults runs two sinks against versitygw through a proxy injecting 5xx
// answers (some after the request took effect), connection resets, cut
// bodies and stalls, kills one of them midway, and audits the lake read
// directly from the server.
func TestS3Faults(t *testing.T) {
	srv := s3test.Start(t)
	cfg := faultproxy.Config{Seed: 7, Rate: 0.08, Burst: 2, StallFor: 5 * time.Second, Faults: []faultproxy.Fault{
		faultproxy.Status503, faultproxy.Status500After, faultproxy.ResetBefore, faultproxy.ResetAfter,
		faultproxy.TruncateBody, faultproxy.Stall,
	}}
	proxy, err := faultproxy.Start(srv.Endpoint, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	l := testLake{
		url: srv.URL("lake"),
		args: []string{"--s3-endpoint", proxy.URL, "--s3-region", s3test.Region, "--s3-path-style",
			"--s3-attempt-timeout", "1s", "--s3-max-attempts", "30"},
		env:   srv.Env(),
		store: srv.Store(t, "lake"), // the audit reads around the proxy
	}
	tc := newTestCluster(t)
	prod := startProducer(t, tc)
	a := startSink(t, tc, l, "a", "--instance-id", "a")
	b := startSink(t, tc, l, "b", "--instance-id", "b")
	progress(t, l.store, 20, 60*time.Second)
	a.kill(t)
	a = startSink(t, tc, l, "a", "--instance-id", "a")
	progress(t, l.store, 20, 60*time.Second)
	prod.stop()
	a.stop(t)
	b.stop(t)
	t.Logf("%d requests through the proxy, faults injected: %v", proxy.Requests(), proxy.Injected())
	if len(proxy.Injected()) < 3 {
		t.Errorf("faults injected %v, want at least three kinds", proxy.Injected())
	}
	proxy.Set(faultproxy.Config{})
	drain(t, tc, l)
	audit(t, tc, l.store)
}
