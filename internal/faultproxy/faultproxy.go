// Package faultproxy is an HTTP reverse proxy for tests that puts the
// failures of a flaky network and an overloaded server in front of a real
// server: 5xx answers (before or after the request took effect), connection
// resets (before or after), bodies cut in the middle and stalled answers.
//
// It forwards the Host header unchanged, so requests signed for the proxy's
// address (AWS SigV4 signs Host) still verify at the server behind it. It
// buffers whole requests and responses: it is for tests, not for traffic.
package faultproxy

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Fault is one kind of failure the proxy injects into a request.
type Fault int

// The faults. "After" faults forward the request first, so it takes effect
// at the server while the client sees a failure: the case that makes retries
// ambiguous.
const (
	None           Fault = iota
	Status503            // answer 503 SlowDown without forwarding
	Status500After       // forward, then answer 500 instead of the real answer
	ResetBefore          // reset the connection without forwarding
	ResetAfter           // forward, then reset the connection
	TruncateBody         // forward, send the headers and half the body, then cut
	Stall                // forward, then answer nothing until the client gives up or StallFor passes
	StallUpload          // stop reading the request body for StallFor, then reset
)

var faultNames = map[Fault]string{
	None: "none", Status503: "503", Status500After: "500-after", ResetBefore: "reset-before",
	ResetAfter: "reset-after", TruncateBody: "truncate-body", Stall: "stall", StallUpload: "stall-upload",
}

// String names the fault.
func (f Fault) String() string { return faultNames[f] }

// Config says which faults to inject and how often.
type Config struct {
	// Seed makes the sequence of faults repeatable.
	Seed uint64
	// Rate is the share of requests (0..1) that start a fault.
	Rate float64
	// Faults are drawn from uniformly; empty means no faults.
	Faults []Fault
	// Burst is how many requests in a row a drawn fault hits (0 = 1).
	Burst int
	// StallFor bounds a stall (0 = 30s); the client usually gives up first.
	StallFor time.Duration
	// Limit stops injecting after this many faults (0 = no limit): with
	// Rate 1 and Limit 1 exactly the next request fails.
	Limit int
}

// Proxy is a running fault-injecting reverse proxy.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL      string
	upstream string
	srv      *http.Server
	client   *http.Client

	mu       sync.Mutex
	cfg      Config
	rnd      *rand.Rand
	burst    Fault
	left     int
	budget   int // faults left under cfg.Limit
	injected map[Fault]int
	requests int
}

// Start starts a proxy on a free loopback port in front of upstream
// (http://host:port). Stop it with Close.
func Start(upstream string, cfg Config) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listening: %w", err)
	}
	p := &Proxy{
		URL:      "http://" + l.Addr().String(),
		upstream: upstream,
		client: &http.Client{
			Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		injected: map[Fault]int{},
	}
	p.Set(cfg)
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(l)
	return p, nil
}

// Close stops the proxy and cuts every open connection.
func (p *Proxy) Close() error {
	p.client.CloseIdleConnections()
	return p.srv.Close()
}

// Set replaces the fault configuration, e.g. to start or end a burst.
func (p *Proxy) Set(cfg Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = cfg
	p.rnd = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed+1))
	p.left = 0
	p.budget = cfg.Limit
}

// Injected returns how many requests got each fault so far.
func (p *Proxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.injected))
	for f, n := range p.injected {
		out[f] = n
	}
	return out
}

// Requests returns how many requests reached the proxy.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// draw picks the fault for the next request.
func (p *Proxy) draw() (Fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	f := None
	switch {
	case p.left > 0:
		f = p.burst
		p.left--
	case len(p.cfg.Faults) > 0 && p.rnd.Float64() < p.cfg.Rate:
		f = p.cfg.Faults[p.rnd.IntN(len(p.cfg.Faults))]
		p.burst, p.left = f, max(p.cfg.Burst, 1)-1
	}
	if f != None && p.cfg.Limit > 0 {
		if p.budget == 0 {
			f = None
		} else {
			p.budget--
		}
	}
	if f != None {
		p.injected[f]++
	}
	stall := p.cfg.StallFor
	if stall <= 0 {
		stall = 30 * time.Second
	}
	return f, stall
}
