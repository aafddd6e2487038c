package glue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/ticklake/ticklake/internal/catalog"
)

// Hive input/output formats and SerDes, as a Glue crawler sets them, so that
// Athena and Spark read the tables without further setup.
const (
	textInput     = "org.apache.hadoop.mapred.TextInputFormat"
	textOutput    = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	parquetInput  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	parquetOutput = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
	parquetSerDe  = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	jsonSerDe     = "org.openx.data.jsonserde.JsonSerDe"
	csvSerDe      = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
)

// storageDescriptor describes where and how a table's (or partition's) data
// is stored. JSON tables map each normalised column to its name in the files
// (the OpenX SerDe's mapping.* parameters), so `Adj Close` is read as
// adj_close.
func storageDescriptor(t catalog.Table, location string) *types.StorageDescriptor {
	sd := &types.StorageDescriptor{
		Columns:    glueColumns(t.Columns),
		Location:   aws.String(location),
		Compressed: t.Parameters["compressionType"] != "",
		Parameters: map[string]string{catalog.ParamClassification: t.Classification},
	}
	serde := &types.SerDeInfo{Parameters: map[string]string{}}
	switch t.Classification {
	case "parquet":
		sd.InputFormat, sd.OutputFormat = aws.String(parquetInput), aws.String(parquetOutput)
		serde.SerializationLibrary = aws.String(parquetSerDe)
		serde.Parameters["serialization.format"] = "1"
	case "json":
		sd.InputFormat, sd.OutputFormat = aws.String(textInput), aws.String(textOutput)
		serde.SerializationLibrary = aws.String(jsonSerDe)
		for _, col := range t.Columns {
			if orig := col.Parameters[catalog.ParamOriginalName]; orig != "" {
				serde.Parameters["mapping."+col.Name] = orig
			}
		}
	case "csv":
		sd.InputFormat, sd.OutputFormat = aws.String(textInput), aws.String(textOutput)
		serde.SerializationLibrary = aws.String(csvSerDe)
		serde.Parameters["field.delim"] = ","
		if d := t.Parameters[catalog.ParamDelimiter]; d != "" {
			serde.Parameters["field.delim"] = d
		}
	}
	sd.SerdeInfo = serde
	return sd
}

func glueColumns(cols []catalog.Column) []types.Column {
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: aws.String(c.Name), Type: aws.String(c.Type), Parameters: c.Parameters}
		if c.Comment != "" {
			out[i].Comment = aws.String(c.Comment)
		}
	}
	return out
}

func catalogColumns(cols []types.Column) []catalog.Column {
	out := make([]catalog.Column, len(cols))
	for i, c := range cols {
		out[i] = catalog.Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type), Comment: aws.ToString(c.Comment)}
		if len(c.Parameters) > 0 {
			out[i].Parameters = c.Parameters
		}
	}
	return out
}
