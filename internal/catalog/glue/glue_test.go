package glue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
	"github.com/ticklake/ticklake/internal/catalog/catalogtest"
	"github.com/ticklake/ticklake/internal/catalog/glue"
	"github.com/ticklake/ticklake/internal/catalog/glue/gluetest"
)

func TestAcceptance(t *testing.T) {
	endpoint := gluetest.StartMoto(t)
	catalogtest.Acceptance(t, func(t *testing.T) (catalog.Manager, string) {
		return gluetest.Open(t, endpoint)
	})
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, raw, wantErr string
		want               glue.Config
	}{
		{name: "region", raw: "glue://?region=eu-west-1", want: glue.Config{Region: "eu-west-1"}},
		{name: "endpoint", raw: "glue://?region=us-east-1&endpoint=http://127.0.0.1:5000&catalog_id=123",
			want: glue.Config{Region: "us-east-1", Endpoint: "http://127.0.0.1:5000", CatalogID: "123"}},
		{name: "no region", raw: "glue://", wantErr: "names no region"},
		{name: "other scheme", raw: "sqlite:///x.db", wantErr: "is not glue://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := glue.ParseURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) = %+v, %v; want error containing %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tt.raw, got, err, tt.want)
			}
		})
	}
}

// TestStorageDescriptor checks what Athena needs to read the tables: formats,
// SerDe and the JSON column mapping, on the table and on its partitions.
func TestStorageDescriptor(t *testing.T) {
	endpoint := gluetest.StartMoto(t)
	c, db := gluetest.Open(t, endpoint)
	ctx := context.Background()
	tb := catalogtest.Trades(db, catalog.Column{Name: "adj_close", Type: "double",
		Parameters: map[string]string{catalog.ParamOriginalName: "Adj Close"}})
	tb.Classification = "json"
	if err := c.PutTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	if err := c.AddFiles(ctx, db, "trades", []catalog.File{catalogtest.HourFile(14, 1, 5)}); err != nil {
		t.Fatal(err)
	}
	raw, err := glue.RawTable(ctx, c, db, "trades")
	if err != nil {
		t.Fatal(err)
	}
	sd := raw.StorageDescriptor
	if got := *sd.SerdeInfo.SerializationLibrary; got != "org.openx.data.jsonserde.JsonSerDe" {
		t.Errorf("serde = %s", got)
	}
	if got := sd.SerdeInfo.Parameters["mapping.adj_close"]; got != "Adj Close" {
		t.Errorf("mapping.adj_close = %q; want Adj Close", got)
	}
	if *sd.InputFormat != "org.apache.hadoop.mapred.TextInputFormat" || raw.Parameters["classification"] != "json" || *raw.TableType != "EXTERNAL_TABLE" {
		t.Errorf("table = %+v", raw)
	}
	csv := catalogtest.Trades(db, catalog.Column{Name: "a", Type: "int"})
	csv.Name, csv.Classification = "csv_table", "csv"
	csv.Parameters[catalog.ParamDelimiter] = "\t"
	if err := c.PutTable(ctx, csv); err != nil {
		t.Fatal(err)
	}
	rawCSV, err := glue.RawTable(ctx, c, db, "csv_table")
	if err != nil {
		t.Fatal(err)
	}
	if rawCSV.StorageDescriptor.SerdeInfo.Parameters["field.delim"] != "\t" || rawCSV.Parameters["skip.header.line.count"] != "1" {
		t.Errorf("csv table = %+v; want field.delim tab and skip.header.line.count 1", rawCSV)
	}
	ps, err := glue.RawPartitions(ctx, c, db, "trades")
	if err != nil || len(ps) != 1 {
		t.Fatalf("partitions = %+v, %v", ps, err)
	}
	psd := ps[0].StorageDescriptor
	if *psd.Location != "file:///lake/trades/dt=2026-11-02/hr=14" || len(psd.Columns) != 1 || *psd.Columns[0].Type != "double" ||
		ps[0].Parameters["numRows"] != "5" {
		t.Errorf("partition = %+v; want the table's schema at its own location with numRows 5", ps[0])
	}
}
