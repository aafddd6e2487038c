package sink

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/lake"
)

// rowGroupRows caps the rows of one Parquet row group: large enough for
// efficient scans, small enough to keep the writer's memory modest.
const rowGroupRows = 128 * 1024

// Metadata keys every data file carries in its Parquet footer.
const (
	MetaTopic       = "ticklake.topic"
	MetaPartition   = "ticklake.partition"
	MetaFirstOffset = "ticklake.first_offset"
	MetaLastOffset  = "ticklake.last_offset"
	MetaColumns     = "ticklake.columns"
	MetaClusterID   = "ticklake.kafka_cluster_id"
	MetaTopicID     = "ticklake.kafka_topic_id"
	MetaRangeFrom   = "ticklake.range_from"
	MetaRangeTo     = "ticklake.range_to"
)

// table buffers the decoded rows of one Kafka partition of one topic and
// encodes them into Parquet files, one per hourly partition. Each topic's
// schema is one implementation: typed tables for trades and quotes now, an
// inferred schema for other topics later.
type table interface {
	// add decodes a record into a row; an error means the record is malformed.
	add(r *kgo.Record) error
	// rows is the number of buffered rows.
	rows() int
	// encode builds one file per hourly partition from the buffered rows,
	// in partition order, without clearing them. Every row's _ingest_time is
	// ingest and every footer carries meta, so that encoding the same records
	// again yields the same bytes.
	encode(topic string, part int32, ingest time.Time, meta map[string]string) ([]encodedFile, error)
	// reset drops the buffered rows once their files are in the lake.
	reset()
}

// detacher is a table whose buffered rows can be taken away (detach) as a
// table of their own, to be encoded and reset on another goroutine while it
// buffers the next range; the flights of flight.go need one.
type detacher interface {
	detach() table
}

// encodedFile is one Parquet file built in memory, ready to be stored.
type encodedFile struct {
	partition   lake.Partition
	firstOffset int64
	lastOffset  int64
	rows        int64
	data        []byte
}

// rowKey is a row's place in the sort order: symbols ranked, ties broken by
// ts then by Kafka offset, a total order, so the files of a range are the
// same bytes whoever encodes them.
type rowKey struct {
	rank uint32
	i    int32
	ts   int64
	off  int64
}

// byRank orders keys by (rank, ts, off), given keys in offset order whose
// rank field holds a symbol id: a counting sort on the rank, which keeps
// the offset order, then a sort of each symbol's run by ts only where the
// run is not in ts order already (a partition's trades mostly arrive in
// time order).
func byRank(keys []rowKey, rank []uint32) []rowKey {
	starts := make([]int, len(rank)+1)
	for i := range keys {
		keys[i].rank = rank[keys[i].rank]
		starts[keys[i].rank+1]++
	}
	for r := 1; r < len(starts); r++ {
		starts[r] += starts[r-1]
	}
	out := make([]rowKey, len(keys))
	pos := slices.Clone(starts[:len(rank)])
	for _, k := range keys {
		out[pos[k.rank]] = k
		pos[k.rank]++
	}
	byTs := func(a, b rowKey) int { return cmp.Or(cmp.Compare(a.ts, b.ts), cmp.Compare(a.off, b.off)) }
	for r := range rank {
		run := out[starts[r]:starts[r+1]]
		if !slices.IsSortedFunc(run, byTs) {
			slices.SortFunc(run, byTs)
		}
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// writerOptions configures the Parquet writer of one data file: zstd, row
// groups of rowGroupRows, the sort order and the footer metadata in key
// order.
func writerOptions(enc *encoder, meta map[string]string, sorting []parquet.SortingColumn) []parquet.WriterOption {
	opts := []parquet.WriterOption{
		parquet.Compression(enc.codec),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.CreatedBy("ticklake", "", ""),
	}
	if len(sorting) > 0 {
		opts = append(opts, parquet.SortingWriterConfig(parquet.SortingColumns(sorting...)))
	}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		opts = append(opts, parquet.KeyValueMetadata(k, meta[k]))
	}
	return opts
}

// fileMeta is the footer metadata of one data file.
func fileMeta(topic string, part int32, first, last int64, columns string) map[string]string {
	return map[string]string{
		MetaTopic:       topic,
		MetaPartition:   strconv.Itoa(int(part)),
		MetaFirstOffset: strconv.FormatInt(first, 10),
		MetaLastOffset:  strconv.FormatInt(last, 10),
		MetaColumns:     columns,
	}
}

// columnsJSON maps each column's normalised name to the field it came from.
func columnsJSON(schema *parquet.Schema) string {
	cols := make(map[string]string, len(schema.Fields()))
	for _, f := range schema.Fields() {
		cols[lake.ColumnName(f.Name())] = f.Name()
	}
	b, _ := json.Marshal(cols) // a map of strings always marshals
	return string(b)
}
