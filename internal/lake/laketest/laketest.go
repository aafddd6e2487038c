// Package laketest holds the one acceptance test suite every lake.Store
// backend must pass, so that the sink and the readers can rely on the same
// guarantees whether the lake is a local directory or an S3 bucket.
//
// A backend's test calls Run with a constructor that returns a fresh, empty
// store for each subtest.
package laketest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
)

// Run runs the acceptance suite. newStore must return an empty store that
// no other subtest uses.
func Run(t *testing.T, newStore func(t *testing.T) lake.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s lake.Store)
	}{
		{"CreateNeverReplaces", testCreateNeverReplaces},
		{"CreateIsAtomic", testCreateIsAtomic},
		{"PutReplaces", testPutReplaces},
		{"Stat", testStat},
		{"Open", testOpen},
		{"ReadAt", testReadAt},
		{"ListOrderAndPrefix", testList},
		{"ListStopsOnError", testListStops},
		{"Delete", testDelete},
		{"ConcurrentCreateOneWinner", testConcurrentCreate},
		{"LargeObject", testLarge},
		{"OddKeys", testOddKeys},
		{"EmptyObject", testEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// Core runs the properties that must survive a faulty network: Create never
// replaces and has exactly one winner in a race, objects are never partial.
// Fault-injection tests run it through a fault proxy.
func Core(t *testing.T, newStore func(t *testing.T) lake.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s lake.Store)
	}{
		{"CreateNeverReplaces", testCreateNeverReplaces},
		{"ConcurrentCreateOneWinner", testConcurrentCreate},
		{"PutReplaces", testPutReplaces},
		{"ReadAt", testReadAt},
		{"LargeObject", testLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Payload returns n pseudo-random bytes derived from seed.
func Payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// MustRead returns the whole object under key, failing the test otherwise.
func MustRead(t *testing.T, s lake.Store, key string) []byte {
	t.Helper()
	r, err := s.Open(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	return b
}

// Keys lists every key under prefix, in the order List gives them.
func Keys(t *testing.T, s lake.Store, prefix string) []string {
	t.Helper()
	var keys []string
	err := s.List(ctxFor(t), prefix, func(o lake.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func mustCreate(t *testing.T, s lake.Store, key string, data []byte) {
	t.Helper()
	if err := s.Create(ctxFor(t), key, data); err != nil {
		t.Fatalf("Create(%s): %v", key, err)
	}
}

func testCreateNeverReplaces(t *testing.T, s lake.Store) {
	ctx := ctxFor(t)
	key := "trades/dt=2026-11-02/hr=14/trades-0-1-2.parquet"
	mustCreate(t, s, key, []byte("first"))
	if err := s.Create(ctx, key, []byte("second")); !errors.Is(err, lake.ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	if err := s.Create(ctx, key, []byte("first")); !errors.Is(err, lake.ErrExists) {
		t.Fatalf("Create of the same bytes again = %v, want ErrExists", err)
	}
	if got := MustRead(t, s, key); string(got) != "first" {
		t.Fatalf("content = %q, want the first write", got)
	}
	if keys := Keys(t, s, "trades/"); !slices.Equal(keys, []string{key}) {
		t.Fatalf("List = %v, want only %s (no temporary objects left)", keys, key)
	}
}

// testCreateIsAtomic reads the key while a large Create runs: whenever the
// object is visible, it is whole.
func testCreateIsAtomic(t *testing.T, s lake.Store) {
	ctx := ctxFor(t)
	key := "atomic/big.bin"
	data := Payload(7, 6<<20)
	done := make(chan error, 1)
	go func() { done <- s.Create(ctx, key, data) }()
	seen := 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			finished = true
		default:
		}
		r, err := s.Open(ctx, key)
		if errors.Is(err, lake.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("Open during Create: %v", err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("reading during Create: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("a reader saw %d bytes of %d, or other bytes: a partial object", len(got), len(data))
		}
		seen++
	}
	if seen == 0 {
		t.Fatal("the object never became readable")
	}
}

func testPutReplaces(t *testing.T, s lake.Store) {
	ctx := ctxFor(t)
	key := "_state/pointer"
	for _, v := range []string{"1", "22", "333"} {
		if err := s.Put(ctx, key, []byte(v)); err != nil {
			t.Fatalf("Put(%s): %v", v, err)
		}
		if got := MustRead(t, s, key); string(got) != v {
			t.Fatalf("after Put(%q) content = %q", v, got)
		}
	}
	mustCreate(t, s, "made", []byte("created"))
	if err := s.Put(ctx, "made", []byte("put")); err != nil {
		t.Fatal(err)
	}
	if got := MustRead(t, s, "made"); string(got) != "put" {
		t.Fatalf("Put over a created object left %q", got)
	}
}

func testStat(t *testing.T, s lake.Store) {
	ctx := ctxFor(t)
	before := time.Now().Add(-time.Minute)
	mustCreate(t, s, "a/b.json", []byte("12345"))
	o, err := s.Stat(ctx, "a/b.json")
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != "a/b.json" || o.Size != 5 || o.ModTime.Before(before) || o.ModTime.After(time.Now().Add(time.Minute)) {
		t.Fatalf("Stat = %+v, want key a/b.json, size 5, a recent ModTime", o)
	}
	for _, missing := range []string{"a/nope", "a", "nope/b.json"} {
		if _, err := s.Stat(ctx, missing); !errors.Is(err, lake.ErrNotExist) {
			t.Errorf("Stat(%s) = %v, want ErrNotExist", missing, err)
		}
	}
}

func testOpen(t *testing.T, s lake.Store) {
	data := Payload(1, 100_000)
	mustCreate(t, s, "o/data.bin", data)
	if got := MustRead(t, s, "o/data.bin"); !bytes.Equal(got, data) {
		t.Fatalf("Open returned %d bytes, other than the %d written", len(got), len(data))
	}
	if _, err := s.Open(ctxFor(t), "o/missing"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("Open(missing) = %v, want ErrNotExist", err)
	}
}

func testReadAt(t *testing.T, s lake.Store) {
	data := Payload(2, 1000)
	mustCreate(t, s, "r/footer.parquet", data)
	ra, err := s.ReadAt(ctxFor(t), "r/footer.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	if ra.Size() != 1000 {
		t.Fatalf("Size = %d, want 1000", ra.Size())
	}
	tests := []struct {
		name    string
		off     int64
		n, want int
		eof     bool
	}{
		{"head", 0, 10, 10, false},
		{"middle", 500, 100, 100, false},
		{"tail", 992, 8, 8, false},
		{"past end", 995, 10, 5, true},
		{"at end", 1000, 4, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, tc.n)
			n, err := ra.ReadAt(buf, tc.off)
			if n != tc.want || (err == io.EOF) != tc.eof || (err != nil && err != io.EOF) {
				t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d, eof %v", tc.n, tc.off, n, err, tc.want, tc.eof)
			}
			if !bytes.Equal(buf[:n], data[tc.off:tc.off+int64(n)]) {
				t.Fatal("ReadAt returned other bytes than written")
			}
		})
	}
	if _, err := s.ReadAt(ctxFor(t), "r/missing"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("ReadAt(missing) = %v, want ErrNotExist", err)
	}
}

func testList(t *testing.T, s lake.Store) {
	all := []string{"a-b", "a/b/d", "a/bz", "a/c", "a0", "b/dt=2026-01-01/x y.json", "_commits/t/0/1"}
	shuffled := slices.Clone(all)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled {
		mustCreate(t, s, k, []byte(k))
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	tests := []struct {
		name, prefix string
		want         []string
	}{
		{"everything in byte order", "", sorted},
		{"directory", "a/", []string{"a/b/d", "a/bz", "a/c"}},
		{"partial name", "a/b", []string{"a/b/d", "a/bz"}},
		{"name prefix across directories", "a", []string{"a-b", "a/b/d", "a/bz", "a/c", "a0"}},
		{"partition", "b/dt=2026-01-01/", []string{"b/dt=2026-01-01/x y.json"}},
		{"one key", "a/c", []string{"a/c"}},
		{"missing", "zzz/", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Keys(t, s, tc.prefix); !slices.Equal(got, tc.want) {
				t.Fatalf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	err := s.List(ctxFor(t), "a/c", func(o lake.Object) error {
		if o.Size != 3 {
			return fmt.Errorf("size %d", o.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List sizes: %v", err)
	}
}

func testListStops(t *testing.T, s lake.Store) {
	for i := range 5 {
		mustCreate(t, s, fmt.Sprintf("s/%d", i), []byte("x"))
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctxFor(t), "s/", func(lake.Object) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("List with a failing callback = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func testDelete(t *testing.T, s lake.Store) {
	ctx := ctxFor(t)
	mustCreate(t, s, "d/x", []byte("x"))
	if err := s.Delete(ctx, "d/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "d/x"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("Stat after Delete = %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctx, "d/x"); err != nil {
		t.Fatalf("Delete of a missing key = %v, want nil", err)
	}
	mustCreate(t, s, "d/x", []byte("again"))
	if got := MustRead(t, s, "d/x"); string(got) != "again" {
		t.Fatalf("Create after Delete left %q", got)
	}
}

// testConcurrentCreate races writers with distinct bytes on one key: exactly
// one wins, the others get ErrExists, and the object holds the winner's bytes.
func testConcurrentCreate(t *testing.T, s lake.Store) {
	const writers = 8
	ctx := ctxFor(t)
	for round := range 3 {
		key := fmt.Sprintf("_commits/trades/0/%020d", round)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() { errs[w] = s.Create(ctx, key, fmt.Appendf(nil, "writer %d", w)) })
		}
		wg.Wait()
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: writers %d and %d both won", round, winner, w)
			case err == nil:
				winner = w
			case !errors.Is(err, lake.ErrExists):
				t.Fatalf("round %d: writer %d: %v, want nil or ErrExists", round, w, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer won", round)
		}
		if got, want := string(MustRead(t, s, key)), fmt.Sprintf("writer %d", winner); got != want {
			t.Fatalf("round %d: object holds %q, want the winner's %q", round, got, want)
		}
	}
}

func testLarge(t *testing.T, s lake.Store) {
	data := Payload(3, 24<<20+3)
	mustCreate(t, s, "big/file.parquet", data)
	if o, err := s.Stat(ctxFor(t), "big/file.parquet"); err != nil || o.Size != int64(len(data)) {
		t.Fatalf("Stat = %+v, %v; want size %d", o, err, len(data))
	}
	if got := MustRead(t, s, "big/file.parquet"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, other than the %d written", len(got), len(data))
	}
	ra, err := s.ReadAt(ctxFor(t), "big/file.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	tail := make([]byte, 1<<20)
	off := int64(len(data) - len(tail))
	if n, err := ra.ReadAt(tail, off); n != len(tail) || (err != nil && err != io.EOF) || !bytes.Equal(tail, data[off:]) {
		t.Fatalf("ReadAt of the last MiB = %d, %v, or other bytes", n, err)
	}
}

func testOddKeys(t *testing.T, s lake.Store) {
	keys := []string{
		"Adj Close/dt=2026-11-02/hr=14/a b.parquet",
		"t/k=v=w/plus+percent%20.json",
		"t/ünïcode €.json",
	}
	for _, k := range keys {
		mustCreate(t, s, k, []byte(k))
		if got := MustRead(t, s, k); string(got) != k {
			t.Errorf("%q read back as %q", k, got)
		}
		if o, err := s.Stat(ctxFor(t), k); err != nil || o.Key != k {
			t.Errorf("Stat(%q) = %+v, %v", k, o, err)
		}
	}
	if got := Keys(t, s, "t/"); !slices.Equal(got, keys[1:]) {
		t.Fatalf("List(t/) = %q, want %q", got, keys[1:])
	}
	if got := Keys(t, s, "Adj Close/dt=2026-11-02/"); !slices.Equal(got, keys[:1]) {
		t.Fatalf("List(Adj Close/...) = %q", got)
	}
}

func testEmpty(t *testing.T, s lake.Store) {
	mustCreate(t, s, "e/empty", nil)
	if got := MustRead(t, s, "e/empty"); len(got) != 0 {
		t.Fatalf("empty object read back as %d bytes", len(got))
	}
	if o, err := s.Stat(ctxFor(t), "e/empty"); err != nil || o.Size != 0 {
		t.Fatalf("Stat = %+v, %v", o, err)
	}
}
