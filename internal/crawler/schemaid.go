package crawler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// schemaID identifies a Parquet schema for catalog.File.Schema: a hash of
// the footer's schema elements exactly as the footer encodes them (names,
// physical and logical types, repetition, nesting, field ids). Files with
// one id are read alike by any engine; files that differ only in what no
// engine looks at get different ids, which costs a reader time, never an
// answer.
func schemaID(elems []format.SchemaElement) (string, error) {
	b, err := thrift.Marshal(new(thrift.CompactProtocol), elems)
	if err != nil {
		return "", fmt.Errorf("encoding the schema: %w", err)
	}
	h := sha256.Sum256(b)
	return "p1:" + hex.EncodeToString(h[:12]), nil
}
