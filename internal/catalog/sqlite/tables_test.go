package sqlite

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/ticklake/ticklake/internal/catalog"
)

func tradesTable(cols ...catalog.Column) catalog.Table {
	return catalog.Table{
		Name:           "trades",
		Location:       "file:///lake/trades",
		Classification: "parquet",
		Columns:        cols,
		PartitionKeys:  []catalog.Column{{Name: "dt", Type: "date"}, {Name: "hr", Type: "int"}},
		Parameters:     map[string]string{"record_count": "0"},
	}
}

func TestPutTableVersioning(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	sym := catalog.Column{Name: "symbol", Type: "string"}
	px := catalog.Column{Name: "price", Type: "double"}
	qty := catalog.Column{Name: "qty", Type: "bigint", Parameters: map[string]string{"original_name": "Qty"}}
	steps := []struct {
		name        string
		table       catalog.Table
		wantVersion int64
	}{
		{"create", tradesTable(sym, px), 1},
		{"same schema, new parameters", func() catalog.Table {
			tb := tradesTable(sym, px)
			tb.Parameters["record_count"] = "10"
			return tb
		}(), 1},
		{"column added", tradesTable(sym, px, qty), 2},
		{"type widened", tradesTable(sym, catalog.Column{Name: "price", Type: "string"}, qty), 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := c.PutTable(ctx, st.table); err != nil {
				t.Fatal(err)
			}
			got, err := c.Table(ctx, catalog.DefaultDatabase, "trades")
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != st.wantVersion {
				t.Errorf("version = %d; want %d", got.Version, st.wantVersion)
			}
			if !reflect.DeepEqual(got.Columns, st.table.Columns) || !reflect.DeepEqual(got.Parameters, st.table.Parameters) {
				t.Errorf("stored %+v; want %+v", got, st.table)
			}
			if got.Database != catalog.DefaultDatabase || got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
				t.Errorf("bad bookkeeping: %+v", got)
			}
		})
	}
	vs, err := c.Versions(ctx, "", "trades")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 1 || len(vs[0].Columns) != 2 || vs[1].Version != 2 || len(vs[1].Columns) != 3 {
		t.Errorf("archived versions = %+v; want v1 with 2 columns and v2 with 3", vs)
	}
}

func TestTablesAndDelete(t *testing.T) {
	c := newTestCatalog(t)
	ctx := context.Background()
	for _, name := range []string{"trades", "quotes"} {
		tb := tradesTable(catalog.Column{Name: "symbol", Type: "string"})
		tb.Name = name
		if err := c.PutTable(ctx, tb); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.AddFiles(ctx, "", "trades", []catalog.File{{Key: "trades/dt=2026-11-02/hr=14/a.parquet",
		Partition: []string{"2026-11-02", "14"}, Rows: 1, Bytes: 1}}); err != nil {
		t.Fatal(err)
	}
	ts, err := c.Tables(ctx, "")
	if err != nil || len(ts) != 2 || ts[0].Name != "quotes" || ts[1].Name != "trades" {
		t.Fatalf("Tables = %+v, %v; want quotes, trades", ts, err)
	}
	if err := c.DeleteTable(ctx, "", "trades"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Table(ctx, "", "trades"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("deleted table still there: %v", err)
	}
	var n int
	if err := c.db.QueryRow(`SELECT (SELECT count(*) FROM files) + (SELECT count(*) FROM partitions)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d files and partitions left after delete (%v)", n, err)
	}
}
