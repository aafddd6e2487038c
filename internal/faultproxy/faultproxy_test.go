package faultproxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newTestProxy starts an upstream that echoes the Host header and counts
// requests, and a proxy with cfg in front of it.
func newTestProxy(t *testing.T, cfg Config) (*Proxy, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "host="+r.Host+" body="+string(b)+" path="+r.RequestURI)
	}))
	t.Cleanup(up.Close)
	p, err := Start(up.URL, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, &hits
}

func TestPassesThrough(t *testing.T) {
	p, hits := newTestProxy(t, Config{})
	resp, err := http.Post(p.URL+"/bucket/a%20b%3Dc?x-id=PutObject", "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := "host=" + strings.TrimPrefix(p.URL, "http://") + " body=payload path=/bucket/a%20b%3Dc?x-id=PutObject"
	if resp.StatusCode != 200 || string(b) != want || hits.Load() != 1 {
		t.Fatalf("got %d %q after %d upstream hits; want 200 %q after 1", resp.StatusCode, b, hits.Load(), want)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		status    int  // expected status when the client gets an answer
		failed    bool // the client sees a transport error
		forwarded int64
	}{
		{"503 before", Status503, 503, false, 0},
		{"500 after", Status500After, 500, false, 1},
		{"reset before", ResetBefore, 0, true, 0},
		{"reset after", ResetAfter, 0, true, 1},
		{"truncated body", TruncateBody, 0, true, 1},
		{"stall", Stall, 0, true, 1},
		{"stall upload", StallUpload, 0, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, hits := newTestProxy(t, Config{Rate: 1, Faults: []Fault{tc.fault}, StallFor: 2 * time.Second})
			c := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := c.Get(p.URL + "/x")
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			switch {
			case tc.failed && err == nil:
				t.Fatalf("request succeeded with %d, want a transport error", resp.StatusCode)
			case !tc.failed && (err != nil || resp.StatusCode != tc.status):
				t.Fatalf("got %v, %v; want status %d", resp, err, tc.status)
			}
			if hits.Load() != tc.forwarded {
				t.Fatalf("upstream saw %d requests, want %d", hits.Load(), tc.forwarded)
			}
			if got := p.Injected()[tc.fault]; got != 1 {
				t.Fatalf("Injected()[%s] = %d, want 1", tc.fault, got)
			}
		})
	}
}

func TestBurstAndRate(t *testing.T) {
	p, _ := newTestProxy(t, Config{Seed: 3, Rate: 0.2, Faults: []Fault{Status503}, Burst: 4})
	statuses := make([]int, 200)
	for i := range statuses {
		resp, err := http.Get(p.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[i] = resp.StatusCode
	}
	failed, runs := 0, 0
	for i, s := range statuses {
		if s == 503 {
			failed++
			if i == 0 || statuses[i-1] != 503 {
				runs++
			}
		}
	}
	if failed == 0 || failed == len(statuses) || failed < 3*runs {
		t.Fatalf("%d of %d failed in %d runs; want some, not all, in bursts of about 4", failed, len(statuses), runs)
	}
	if p.Requests() != len(statuses) || p.Injected()[Status503] != failed {
		t.Fatalf("Requests = %d, Injected = %v; want %d and %d", p.Requests(), p.Injected(), len(statuses), failed)
	}
	p.Set(Config{})
	if resp, err := http.Get(p.URL + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after Set(no faults): %v, %v", resp, err)
	}
}

func TestLimit(t *testing.T) {
	p, hits := newTestProxy(t, Config{Rate: 1, Faults: []Fault{Status503}, Limit: 2})
	var got []int
	for range 4 {
		resp, err := http.Get(p.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if fmt.Sprint(got) != "[503 503 200 200]" || hits.Load() != 2 {
		t.Fatalf("statuses %v with %d forwarded, want [503 503 200 200] with 2", got, hits.Load())
	}
}
