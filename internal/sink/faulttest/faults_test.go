package faulttest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// kills is how many times TestKillNine kills a sink process.
const kills = 20

func TestKillNine(t *testing.T) {
	forEachLake(t, func(t *testing.T, l testLake) {
		tc := newTestCluster(t)
		prod := startProducer(t, tc)
		names := []string{"a", "b"}
		procs := map[string]*proc{}
		for _, n := range names {
			procs[n] = startSink(t, tc, l, n, "--instance-id", n)
		}
		progress(t, l.store, 4, 30*time.Second)
		start := time.Now()
		for i := range kills {
			// Kill at a random moment: after a random number of new
			// claims, caught by a 20 ms poll, wherever the sinks are.
			progress(t, l.store, 1+rand.IntN(3), 30*time.Second)
			n := names[rand.IntN(len(names))]
			procs[n].kill(t)
			if i%5 == 4 {
				// Sometimes kill the other one too, while the first is down.
				other := names[(rand.IntN(2))]
				if other != n {
					procs[other].kill(t)
					procs[other] = startSink(t, tc, l, other, "--instance-id", other)
				}
			}
			procs[n] = startSink(t, tc, l, n, "--instance-id", n)
		}
		t.Logf("%d kills in %v", kills, time.Since(start).Round(time.Millisecond))
		progress(t, l.store, 2, 30*time.Second)
		prod.stop()
		for _, n := range names {
			procs[n].stop(t)
		}
		drain(t, tc, l)
		audit(t, tc, l.store)
		t.Logf("produced %d records (%d failed)", prod.produced.Load(), prod.failed.Load())
	})
}

func TestZombieCannotDuplicate(t *testing.T) {
	forEachLake(t, func(t *testing.T, l testLake) {
		tc := newTestCluster(t)
		prod := startProducer(t, tc)
		// The zombie holds a few seconds of records in memory when frozen.
		zombie := startSink(t, tc, l, "zombie", "--flush-interval", "3s", "--flush-rows", "1000000")
		progress(t, l.store, 4, 30*time.Second)
		joined := time.Now()
		live := startSink(t, tc, l, "live")
		// Freeze the zombie only once the group has settled with both: a
		// member frozen in the middle of a cooperative rebalance holds the
		// group for the whole rebalance timeout (a minute), not a session.
		waitMarkers(t, l.store, joined, "the live sink to claim a range", 60*time.Second, func(ms []markerInfo) bool {
			for _, m := range ms {
				if m.Writer == "live" {
					return true
				}
			}
			return false
		})
		zombie.freeze()
		frozen := time.Now()
		// The group gives the frozen sink's partitions to the live one once
		// its session times out: wait until the live sink claims ranges on
		// every partition.
		waitMarkers(t, l.store, frozen, "the live sink to own every partition", 60*time.Second, func(ms []markerInfo) bool {
			parts := map[string]bool{}
			for _, m := range ms {
				if m.Writer == "live" {
					parts[m.key[:strings.LastIndex(m.key, "/")]] = true
				}
			}
			return len(parts) == 2*partitions
		})
		zombie.thaw() // it still believes it owns its partitions and flushes
		progress(t, l.store, 8, 30*time.Second)
		prod.stop()
		zombie.stop(t)
		live.stop(t)
		drain(t, tc, l)
		audit(t, tc, l.store)
		t.Logf("zombie: lost claims logged %d times", strings.Count(zombie.stderr.String(), "another sink claimed"))
	})
}

func TestRebalanceThreeSinks(t *testing.T) {
	forEachLake(t, func(t *testing.T, l testLake) {
		tc := newTestCluster(t)
		prod := startProducer(t, tc)
		p := map[string]*proc{"s1": startSink(t, tc, l, "s1")}
		steps := []struct {
			join, leave string
			kill        bool
		}{
			{join: "s2"}, {join: "s3"}, {leave: "s1"}, {join: "s1"}, {leave: "s2"},
			{leave: "s3", kill: true}, {join: "s2"}, {join: "s3"},
		}
		progress(t, l.store, 4, 30*time.Second)
		for _, st := range steps {
			if st.join != "" {
				p[st.join] = startSink(t, tc, l, st.join)
			}
			if st.leave != "" {
				if st.kill {
					p[st.leave].kill(t)
				} else {
					p[st.leave].stop(t)
				}
				delete(p, st.leave)
			}
			progress(t, l.store, 6, 30*time.Second)
		}
		prod.stop()
		for _, pr := range p {
			pr.stop(t)
		}
		drain(t, tc, l)
		audit(t, tc, l.store)
	})
}

func TestBrokerRestart(t *testing.T) {
	forEachLake(t, func(t *testing.T, l testLake) {
		tc := newTestCluster(t)
		prod := startProducer(t, tc)
		a := startSink(t, tc, l, "a")
		b := startSink(t, tc, l, "b")
		progress(t, l.store, 6, 30*time.Second)
		tc.restart()
		progress(t, l.store, 8, 60*time.Second)
		prod.stop()
		a.stop(t)
		b.stop(t)
		drain(t, tc, l)
		audit(t, tc, l.store)
	})
}
