package sink

import (
	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/tick"
)

// ts is TIMESTAMP(NANOS) with isAdjustedToUTC=false ("local"): DuckDB reads a
// UTC-adjusted nanosecond timestamp as a microsecond TIMESTAMPTZ and drops the
// nanoseconds, while it keeps them for a plain TIMESTAMP_NS. The values are
// still UTC.
//
// Integer columns that mostly climb or stand still (timestamps, sequence
// numbers, the audit columns) are DELTA_BINARY_PACKED: a few bits a value
// instead of eight bytes, so zstd has about a fifth of the bytes to
// compress and the files are that much smaller. The column types are
// unchanged; DuckDB, Athena and parquet-go read the encoding.
//
// The sink writes these files with pqWriter (see the leaf lists in
// ticktables.go); these structs give their schema, and the tags the same
// encodings to parquet-go's writer, which the tests compare pqWriter with.

// tradeRow is one row of the trades table.
type tradeRow struct {
	Symbol         string   `parquet:"symbol,dict"`
	Ts             int64    `parquet:"ts,timestamp(nanosecond:local),delta"`
	Price          float64  `parquet:"price"`
	Size           int64    `parquet:"size"`
	Exchange       string   `parquet:"exchange,dict"`
	Conditions     []string `parquet:"conditions,list" parquet-element:",dict"`
	Side           string   `parquet:"side,dict"`
	Seq            int64    `parquet:"seq,delta"`
	KafkaPartition int32    `parquet:"_kafka_partition,delta"`
	KafkaOffset    int64    `parquet:"_kafka_offset,delta"`
	IngestTime     int64    `parquet:"_ingest_time,timestamp(microsecond),delta"`
}

// quoteRow is one row of the quotes table.
type quoteRow struct {
	Symbol         string  `parquet:"symbol,dict"`
	Ts             int64   `parquet:"ts,timestamp(nanosecond:local),delta"`
	Bid            float64 `parquet:"bid"`
	BidSize        int64   `parquet:"bid_size"`
	Ask            float64 `parquet:"ask"`
	AskSize        int64   `parquet:"ask_size"`
	Exchange       string  `parquet:"exchange,dict"`
	Seq            int64   `parquet:"seq,delta"`
	KafkaPartition int32   `parquet:"_kafka_partition,delta"`
	KafkaOffset    int64   `parquet:"_kafka_offset,delta"`
	IngestTime     int64   `parquet:"_ingest_time,timestamp(microsecond),delta"`
}

// newTable returns the table for a topic's records: typed for ticklake's
// topics, inferred from the records for any other.
func newTable(topic string, enc *encoder) table {
	switch topic {
	case tick.TopicTrades:
		return newTradeTable(enc)
	case tick.TopicQuotes:
		return newQuoteTable(enc)
	}
	return newJSONTable(enc)
}

// bySymbolTs is the sort order ticklake's tables declare.
func bySymbolTs() []parquet.SortingColumn {
	return []parquet.SortingColumn{parquet.Ascending("symbol"), parquet.Ascending("ts")}
}
