package replay

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tutorialCSV is in the format of the tutorial's indexProcessed.csv, with a
// short row (line 4) and a non-numeric price (line 6).
const tutorialCSV = `Index,Date,Open,High,Low,Close,Adj Close,Volume,CloseUSD
HSI,1986-12-31,2568.300049,2568.300049,2568.300049,2568.300049,2568.300049,0,333.87900637
HSI,1987-01-02,2540.100098,2540.100098,2540.100098,2540.100098,2540.100098,0,330.21301274
HSI,1987-01-05,2552.399902
NYA,1965-12-31,528.690002,528.690002,528.690002,528.690002,528.690002,0,528.690002
NYA,1966-01-03,n/a,527.210022,527.210022,527.210022,527.210022,0,527.210022
GDAXI,2021-05-31,15519.9,15552.21,15447.29,15421.13,15421.13,48791500,18814.7786
`

func newTestCSV(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func newTestSource(t *testing.T, cfg Config) *Source {
	t.Helper()
	s, err := Open(cfg, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestTutorialFieldsAndTypes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Path = newTestCSV(t, tutorialCSV)
	s := newTestSource(t, cfg)
	if s.Rows() != 4 || s.Skipped != 2 {
		t.Fatalf("%d rows, %d skipped; want 4 good rows and the 2 bad ones skipped", s.Rows(), s.Skipped)
	}
	var indexes []string
	for {
		topic, key, value, ok := s.NextMessage()
		if !ok {
			break
		}
		if topic != DefaultTopic {
			t.Fatalf("topic %q, want %q", topic, DefaultTopic)
		}
		var rec map[string]any
		dec := json.NewDecoder(bytes.NewReader(value))
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("value %s: %v", value, err)
		}
		if len(rec) != len(TutorialColumns) {
			t.Fatalf("value %s has %d fields, want exactly %v", value, len(rec), TutorialColumns)
		}
		for _, col := range TutorialColumns {
			v, ok := rec[col]
			if !ok {
				t.Fatalf("value %s lacks field %q", value, col)
			}
			_, isString := v.(string)
			_, isNumber := v.(float64)
			if wantString := col == "Index" || col == "Date"; isString != wantString || (!wantString && !isNumber) {
				t.Fatalf("field %q is %T in %s", col, v, value)
			}
		}
		if string(key) != rec["Index"] {
			t.Fatalf("key %q, want the Index %v", key, rec["Index"])
		}
		indexes = append(indexes, rec["Index"].(string))
		if rec["Date"] == "2021-05-31" && (rec["Volume"] != 48791500.0 || rec["Adj Close"] != 15421.13) {
			t.Fatalf("numbers changed on the way: %s", value)
		}
	}
	if got := strings.Join(indexes, ","); got != "HSI,HSI,NYA,GDAXI" {
		t.Fatalf("rows in order %s, want file order HSI,HSI,NYA,GDAXI", got)
	}
}

func TestStrictStopsAtFirstBadRow(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Path, cfg.Strict = newTestCSV(t, tutorialCSV), true
	_, err := Open(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "columns") {
		t.Fatalf("Open --strict = %v, want an error naming line 4 and its column count", err)
	}
}

func TestSampleWithReplacement(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Path, cfg.Sample, cfg.Seed = newTestCSV(t, tutorialCSV), true, 7
	draw := func() string {
		s := newTestSource(t, cfg)
		var out []string
		for range 200 {
			_, _, v, ok := s.NextMessage()
			if !ok {
				t.Fatal("sampling ran out of rows")
			}
			out = append(out, string(v))
		}
		return strings.Join(out, "\n")
	}
	a, b := draw(), draw()
	if a != b {
		t.Fatal("the same seed sampled different rows")
	}
	distinct := map[string]bool{}
	for _, v := range strings.Split(a, "\n") {
		distinct[v] = true
	}
	if len(distinct) != 4 {
		t.Fatalf("200 draws hit %d of 4 rows", len(distinct))
	}
	cfg.Seed = 8
	if draw() == a {
		t.Fatal("seeds 7 and 8 sampled the same rows")
	}
}

func TestGenericTradesMapped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Path = newTestCSV(t, "Ticker,Time,Px,Qty\nAAPL,2025-11-24T14:30:00Z,227.5,100\nMSFT,2025-11-24T14:30:01Z,428.9,x\n")
	cfg.Topic, cfg.KeyColumn = "trades_csv", "Ticker"
	cfg.Rename = map[string]string{"Ticker": "symbol", "Px": "price", "Qty": "size"}
	s := newTestSource(t, cfg)
	topic, key, value, ok := s.NextMessage()
	want := `{"symbol":"AAPL","Time":"2025-11-24T14:30:00Z","price":227.5,"size":100}`
	if !ok || topic != "trades_csv" || string(key) != "AAPL" || string(value) != want {
		t.Fatalf("first message %s %s %s, want trades_csv AAPL %s", topic, key, value, want)
	}
	if s.Rows() != 1 || s.Skipped != 1 {
		t.Fatalf("%d rows, %d skipped; the non-numeric size on line 3 should be skipped", s.Rows(), s.Skipped)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no file", Config{Topic: "t"}, "--replay"},
		{"no topic", Config{Path: "x.csv"}, "--topic"},
		{"empty rename", Config{Path: "x.csv", Topic: "t", Rename: map[string]string{"a": ""}}, "rename"},
		{"ok", Config{Path: "x.csv", Topic: "t"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error %q", err, tc.wantErr)
			}
		})
	}
}
