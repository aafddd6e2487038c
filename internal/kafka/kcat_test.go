package kafka

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/testenv"
	"github.com/ticklake/ticklake/internal/tick"
)

// TestKcatReadsEmbeddedBroker proves the embedded broker speaks Kafka to a
// client that is not franz-go: librdkafka's kcat. The test command installs
// kcat and sets TICKLAKE_TEST_KCAT to its path.
func TestKcatReadsEmbeddedBroker(t *testing.T) {
	kcat := testenv.Lookup(t, "TICKLAKE_TEST_KCAT", "kcat, a librdkafka client")
	b := newTestBroker(t, "")
	ensureTestTopic(t, newTestAdmin(t, b.Addr()), "trades", 2)
	cl := newTestClient(t, b.Addr())
	const n = 50
	for i := range n {
		tr := tick.Trade{Symbol: "AAPL", Ts: int64(1e18) + int64(i), Price: 100, Size: 100, Exchange: "Q", Conditions: []string{}, Side: "B", Seq: int64(i + 1)}
		rec := &kgo.Record{Topic: "trades", Key: []byte(tr.Symbol), Value: tr.AppendJSON(nil)}
		if err := cl.ProduceSync(testCtx(t), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(testCtx(t), kcat, "-C", "-b", b.Addr(), "-t", "trades", "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat: %v: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != n {
		t.Fatalf("kcat read %d records, want %d:\n%s", len(lines), n, out)
	}
	seen := map[int64]bool{}
	for _, l := range lines {
		key, val, _ := strings.Cut(l, "\t")
		tr, err := tick.DecodeTrade([]byte(val))
		if key != "AAPL" || err != nil {
			t.Fatalf("kcat line %q: key %q, decode error %v", l, key, err)
		}
		seen[tr.Seq] = true
	}
	if len(seen) != n {
		t.Fatalf("kcat saw %d distinct records, want %d", len(seen), n)
	}
}
