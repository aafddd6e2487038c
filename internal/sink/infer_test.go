package sink

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/tick"
)

// readGeneric reads every data file of a table as maps of column values.
func readGeneric(t *testing.T, store *lake.Dir, table string) (files []*parquet.File, rows []map[string]any) {
	t.Helper()
	for _, key := range dataKeys(t, store) {
		if !strings.HasPrefix(key, table+"/") {
			continue
		}
		ra, err := store.ReadAt(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer ra.Close()
		f, err := parquet.OpenFile(ra, ra.Size())
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		files = append(files, f)
		r := parquet.NewGenericReader[map[string]any](ra, f.Schema())
		buf := make([]map[string]any, f.NumRows())
		for i := range buf {
			buf[i] = map[string]any{}
		}
		n, _ := r.Read(buf)
		rows = append(rows, buf[:n]...)
	}
	return files, rows
}

func TestUnknownTopicSchemaIsInferred(t *testing.T) {
	brokers := newTestCluster(t, "news")
	store := newTestLake(t)
	prod := newTestProducer(t, brokers)
	values := []string{
		`{"Headline":"a","score":1}`,
		`{"Headline":"b","score":2.5,"tags":["x"]}`, // interleaved versions: one file
		`{"Headline":"c"}`,
		`{"Headline":"d","score":3,"flag":true,"Adj Close":"9"}`,
		`[1,2]`, // not an object: _errors
	}
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: "news", Partition: 0, Key: []byte("k"), Value: []byte(v), Timestamp: eventBase})
	}
	prod.cl.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	topics := func(c *Config) { c.Topics = []string{tick.TopicTrades, "news"} }
	s := runDrain(t, brokers, store, topics)

	files, rows := readGeneric(t, store, "news")
	if len(files) != 1 || len(rows) != 4 {
		t.Fatalf("%d files with %d rows, want 1 file with the 4 objects", len(files), len(rows))
	}
	cols, _ := files[0].Lookup(MetaColumns)
	var names map[string]string
	if err := json.Unmarshal([]byte(cols), &names); err != nil || names["adj_close"] != "Adj Close" || names["headline"] != "Headline" {
		t.Errorf("%s = %s, want normalised names mapped to the originals", MetaColumns, cols)
	}
	tests := []struct {
		name, column string
		want         parquet.Kind
	}{
		{"ints and floats widen to double", "score", parquet.Double},
		{"strings", "headline", parquet.ByteArray},
		{"booleans", "flag", parquet.Boolean},
		{"nested as JSON text", "tags", parquet.ByteArray},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col, ok := files[0].Schema().Lookup(tc.column)
			if !ok || col.Node.Type().Kind() != tc.want || !col.Node.Optional() {
				t.Errorf("column %s: found %v, want an optional %v", tc.column, ok, tc.want)
			}
		})
	}
	if got := s.Stats().Topics["news"]; got.Written != 4 || got.BadRecords != 1 {
		t.Errorf("news stats = %+v, want 4 written and 1 bad record", got)
	}
	if _, ok := readErrors(t, store)[partKey{"news", 0}][4]; !ok {
		t.Error("the array value is not in _errors")
	}
}
