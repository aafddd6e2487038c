package lake_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/faultproxy"
	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/laketest"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

// TestS3ThroughFaults runs the suite's core properties (Create never
// replaces and has one winner, objects are whole) through a proxy that
// injects 5xx bursts, resets and stalls between the store and versitygw.
func TestS3ThroughFaults(t *testing.T) {
	srv := s3test.Start(t)
	tests := []struct {
		name string
		cfg  faultproxy.Config
	}{
		{"5xx bursts", faultproxy.Config{Seed: 1, Rate: 0.15, Burst: 3, Faults: []faultproxy.Fault{faultproxy.Status503, faultproxy.Status500After}}},
		{"resets", faultproxy.Config{Seed: 2, Rate: 0.2, Faults: []faultproxy.Fault{faultproxy.ResetBefore, faultproxy.ResetAfter, faultproxy.TruncateBody}}},
		{"stalls", faultproxy.Config{Seed: 3, Rate: 0.1, Faults: []faultproxy.Fault{faultproxy.Stall}, StallFor: time.Minute}},
		{"everything", faultproxy.Config{Seed: 4, Rate: 0.2, Burst: 2, Faults: []faultproxy.Fault{
			faultproxy.Status503, faultproxy.Status500After, faultproxy.ResetBefore,
			faultproxy.ResetAfter, faultproxy.TruncateBody, faultproxy.Stall,
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			proxy, err := faultproxy.Start(srv.Endpoint, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })
			opts := srv.Options()
			opts.S3Endpoint = proxy.URL
			// Long enough for a 24 MiB upload through the proxy on a loaded
			// machine; every stall costs one.
			opts.S3AttemptTimeout = 2 * time.Second
			opts.S3MaxAttempts = 30
			laketest.Core(t, func(t *testing.T) lake.Store {
				st, err := lake.OpenWith(srv.URL(prefixOf(t)), opts)
				if err != nil {
					t.Fatalf("opening through the fault proxy: %v", err)
				}
				return st
			})
			st, err := lake.OpenWith(srv.URL("drive"), opts)
			if err != nil {
				t.Fatal(err)
			}
			driveUntilInjected(t, st, proxy, tc.cfg.Faults)
			t.Logf("%d requests, faults injected: %v", proxy.Requests(), proxy.Injected())
		})
	}
}

// driveUntilInjected creates and reads objects until every fault in faults
// has hit at least once, checking each round: a fresh Create succeeds once,
// a second one gets ErrExists, and the bytes read back are the bytes written.
func driveUntilInjected(t *testing.T, st lake.Store, proxy *faultproxy.Proxy, faults []faultproxy.Fault) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for round := 0; !allInjected(proxy, faults); round++ {
		if round == 500 {
			t.Fatalf("after %d rounds (%d requests) faults injected: %v; want each of %v", round, proxy.Requests(), proxy.Injected(), faults)
		}
		key := fmt.Sprintf("k/%04d", round)
		data := laketest.Payload(uint64(round), 64<<10)
		if err := st.Create(ctx, key, data); err != nil {
			t.Fatalf("round %d: Create: %v", round, err)
		}
		if err := st.Create(ctx, key, data); !errors.Is(err, lake.ErrExists) {
			t.Fatalf("round %d: second Create of the same bytes = %v, want ErrExists", round, err)
		}
		if got := laketest.MustRead(t, st, key); !bytes.Equal(got, data) {
			t.Fatalf("round %d: read back %d bytes, other than the %d written", round, len(got), len(data))
		}
	}
}

func allInjected(proxy *faultproxy.Proxy, faults []faultproxy.Fault) bool {
	got := proxy.Injected()
	for _, f := range faults {
		if got[f] == 0 {
			return false
		}
	}
	return true
}

// TestS3CreateRetryAfterLostAnswer makes exactly the first attempt of a
// Create fail after S3 stored the object, so the retry gets 412 for our own
// write: Create must report success, and a second writer's Create through
// the same kind of failure must still get ErrExists.
func TestS3CreateRetryAfterLostAnswer(t *testing.T) {
	srv := s3test.Start(t)
	proxy, err := faultproxy.Start(srv.Endpoint, faultproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	opts := srv.Options()
	opts.S3Endpoint = proxy.URL
	opts.S3AttemptTimeout = 2 * time.Second
	opts.S3MaxAttempts = 20
	tests := []struct {
		name  string
		fault faultproxy.Fault
		size  int
	}{
		{"503 before", faultproxy.Status503, 100},
		{"500 after", faultproxy.Status500After, 100},
		{"reset before", faultproxy.ResetBefore, 100},
		{"reset after", faultproxy.ResetAfter, 100},
		{"stall after", faultproxy.Stall, 100},
		// Big enough to fill the socket buffers, so the client's write blocks.
		{"stall upload", faultproxy.StallUpload, 16 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The budget is shorter than a stall: only the attempt timeout
			// gets a Create past one.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()
			st, err := lake.OpenWith(srv.URL(prefixOf(t)), opts)
			if err != nil {
				t.Fatal(err)
			}
			data := laketest.Payload(uint64(tc.size), tc.size)
			proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{tc.fault}, Limit: 1, StallFor: time.Minute})
			if err := st.Create(ctx, "_commits/t/0/1", data); err != nil {
				t.Fatalf("Create whose first attempt hit %s = %v, want success", tc.fault, err)
			}
			proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{tc.fault}, Limit: 1, StallFor: time.Minute})
			if err := st.Create(ctx, "_commits/t/0/1", data); !errors.Is(err, lake.ErrExists) {
				t.Fatalf("second Create of the same bytes, first attempt hit by %s = %v, want ErrExists", tc.fault, err)
			}
			if proxy.Injected()[tc.fault] != 2 {
				t.Fatalf("faults injected %v, want 2 of %s", proxy.Injected(), tc.fault)
			}
			if got := laketest.MustRead(t, st, "_commits/t/0/1"); !bytes.Equal(got, data) {
				t.Fatalf("object holds %d bytes, other than the %d written", len(got), len(data))
			}
		})
	}
}

// TestS3OpenResumesCutBody cuts the body of a GET in the middle: Open's
// reader must resume from the byte where it stopped and return the whole
// object, once; a replaced object must not be spliced into the old one.
func TestS3OpenResumesCutBody(t *testing.T) {
	srv := s3test.Start(t)
	proxy, err := faultproxy.Start(srv.Endpoint, faultproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	opts := srv.Options()
	opts.S3Endpoint = proxy.URL
	st, err := lake.OpenWith(srv.URL("resume"), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := laketest.Payload(9, 8<<20)
	if err := st.Put(ctx, "obj", data); err != nil {
		t.Fatal(err)
	}
	proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{faultproxy.TruncateBody}, Limit: 1})
	if got := laketest.MustRead(t, st, "obj"); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes through a cut body, other than the %d written", len(got), len(data))
	}
	if proxy.Injected()[faultproxy.TruncateBody] != 1 {
		t.Fatalf("faults injected %v, want one cut body", proxy.Injected())
	}

	// Replace the object between the cut and the resumption: the reader
	// must fail rather than return half of each version.
	proxy.Set(faultproxy.Config{Rate: 1, Faults: []faultproxy.Fault{faultproxy.TruncateBody}, Limit: 1})
	r, err := st.Open(ctx, "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "obj", laketest.Payload(10, 8<<20)); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "was replaced while being read") {
		t.Fatalf("read %d more bytes across a replacement of the object, error %v; want the error naming the replacement", len(rest), err)
	}
}
