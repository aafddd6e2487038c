package lake

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// TableName maps a topic to its table: lower-cased, every character other
// than a-z, 0-9 and _ turned into _.
func TableName(topic string) string {
	return ColumnName(topic)
}

// ColumnName normalises a field name the way Glue and Athena do: lower-cased,
// spaces and punctuation turned into _ ("Adj Close" → "adj_close",
// "CloseUSD" → "closeusd"). The sink and the crawler both use it, so a column
// has one name whoever wrote the file.
func ColumnName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// IsData reports whether key names data: no path element may start with _ or
// . (temporary files, dead letters and markers live there).
func IsData(key string) bool {
	for el := range strings.SplitSeq(key, "/") {
		if el == "" {
			continue
		}
		if el[0] == '_' || el[0] == '.' {
			return false
		}
	}
	return true
}

// Partition is the hourly partition a record falls in, from its Kafka record
// timestamp in UTC.
type Partition struct {
	Date string // dt=YYYY-MM-DD
	Hour int    // hr=HH
}

// PartitionOf returns the partition of an event time.
func PartitionOf(t time.Time) Partition {
	t = t.UTC()
	return Partition{Date: t.Format(time.DateOnly), Hour: t.Hour()}
}

// Dir returns the partition's folder below a table: dt=YYYY-MM-DD/hr=HH.
func (p Partition) Dir() string {
	return fmt.Sprintf("dt=%s/hr=%02d", p.Date, p.Hour)
}

// DataFile names one file written by the sink.
type DataFile struct {
	Table       string
	Partition   Partition
	Topic       string
	KafkaPart   int32
	FirstOffset int64
	LastOffset  int64
}

// Key returns the file's key:
// <table>/dt=YYYY-MM-DD/hr=HH/<topic>-<partition>-<firstOffset>-<lastOffset>.parquet.
// Offsets are zero-padded to 20 digits so that keys sort in offset order.
func (f DataFile) Key() string {
	return path.Join(f.Table, f.Partition.Dir(),
		fmt.Sprintf("%s-%d-%020d-%020d.parquet", f.Topic, f.KafkaPart, f.FirstOffset, f.LastOffset))
}

// TempKey returns the dot-prefixed name a file is staged under before it
// becomes visible.
func TempKey(key string) string {
	dir, file := path.Split(key)
	return dir + "." + file + ".tmp"
}

// HivePartitions parses the k=v folders of a key below its table, in order:
// "trades/dt=2026-11-02/hr=14/x.parquet" gives [{dt 2026-11-02} {hr 14}].
func HivePartitions(key string) []KV {
	parts := strings.Split(key, "/")
	if len(parts) < 3 {
		return nil // at the root or directly in a table folder
	}
	var kvs []KV
	for _, p := range parts[1 : len(parts)-1] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		kvs = append(kvs, KV{Key: k, Value: v})
	}
	return kvs
}

// KV is one hive partition key and value.
type KV struct{ Key, Value string }

// TableOf returns the table a key belongs to: its first path element, or
// rootTable for objects lying at the lake root.
func TableOf(key, rootTable string) string {
	first, _, ok := strings.Cut(key, "/")
	if !ok {
		return rootTable
	}
	return first
}

// ParseHour parses the hr partition value.
func ParseHour(v string) (int, error) {
	h, err := strconv.Atoi(v)
	if err != nil || h < 0 || h > 23 {
		return 0, fmt.Errorf("lake: bad hour %q", v)
	}
	return h, nil
}
