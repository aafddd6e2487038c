package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("ticklake %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String(), errb.String()
}

func TestProduceJSONLines(t *testing.T) {
	args := []string{"produce", "--output", "-", "--count", "500", "--speed", "max", "--start", "2025-11-24", "--symbols", "5", "--seed", "9"}
	a, summary := runCLI(t, args...)
	b, _ := runCLI(t, args...)
	if a != b {
		t.Fatal("the same seed and flags gave different streams")
	}
	if !strings.Contains(summary, "total: 500 records") {
		t.Fatalf("summary on stderr %q, want the total", summary)
	}
	sc := bufio.NewScanner(strings.NewReader(a))
	n := 0
	for sc.Scan() {
		var line struct {
			Topic     string         `json:"topic"`
			Key       string         `json:"key"`
			Timestamp int64          `json:"timestamp"`
			Value     map[string]any `json:"value"`
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
		}
		if (line.Topic != "trades" && line.Topic != "quotes") || line.Key != line.Value["symbol"] || line.Value["ts"] != json.Number(strconv.FormatInt(line.Timestamp, 10)) {
			t.Fatalf("line %d: %s", n+1, sc.Text())
		}
		if n == 0 {
			// --start 2025-11-24 is midnight in New York; the first
			// event comes at the 04:00 ET pre-market open, 09:00 UTC
			open := time.Date(2025, 11, 24, 9, 0, 0, 0, time.UTC)
			if at := time.Unix(0, line.Timestamp).UTC(); at.Before(open) || at.After(open.Add(time.Minute)) {
				t.Fatalf("first event at %s, want just after %s", at, open)
			}
		}
		n++
	}
	if n != 500 {
		t.Fatalf("%d lines, want 500", n)
	}
}

func TestProduceReplayTutorialCSV(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "indexProcessed.csv")
	data := "Index,Date,Open,High,Low,Close,Adj Close,Volume,CloseUSD\n" +
		"HSI,1986-12-31,2568.300049,2568.300049,2568.300049,2568.300049,2568.300049,0,333.87900637\n" +
		"NYA,1965-12-31,528.690002,528.690002,528.690002,528.690002,528.690002,0,528.690002\n"
	if err := os.WriteFile(csv, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := runCLI(t, "produce", "--replay", csv, "--rate", "0", "--output", "-")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"topic":"index_prices","key":"HSI","timestamp":`) ||
		!strings.HasSuffix(lines[0], `"value":{"Index":"HSI","Date":"1986-12-31","Open":2568.300049,"High":2568.300049,"Low":2568.300049,"Close":2568.300049,"Adj Close":2568.300049,"Volume":0,"CloseUSD":333.87900637}}`) {
		t.Fatalf("replay output:\n%s", out)
	}
}

func TestProduceNeedsBrokersOrOutput(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"produce", "--count", "1"}, strings.NewReader(""), &out, &errb); code == 0 || !strings.Contains(errb.String(), "--output") {
		t.Fatalf("produce without --brokers: exit %d, stderr %q; want an error naming --brokers and --output", code, errb.String())
	}
}

func TestWarnLive(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		start time.Time
		speed float64
		want  string
	}{
		{"max speed in session", time.Date(2026, 11, 2, 10, 0, 0, 0, ny), 0, "keeps pace with the wall clock"},
		{"real time in session", time.Date(2026, 11, 2, 10, 0, 0, 0, ny), 1, ""},
		{"weekend", time.Date(2026, 11, 7, 10, 0, 0, 0, ny), 0, "market is closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			warnLive(&b, tt.start, tt.speed)
			if got := b.String(); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) || strings.Count(got, "\n") > 1 {
				t.Fatalf("warnLive = %q; want one line with %q", got, tt.want)
			}
		})
	}
}
