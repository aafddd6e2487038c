package query

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// maxSafeInt is the largest integer a float64 (a JavaScript number) holds
// exactly with all its neighbours: 2^53.
const maxSafeInt = 1 << 53

// safeColumn converts a top-level value using its column's type where the Go
// value alone is ambiguous (a DATE and a TIMESTAMP are both time.Time).
func safeColumn(typ string, v any) any {
	switch x := v.(type) {
	case time.Time:
		switch typ {
		case "DATE":
			return x.Format(time.DateOnly)
		case "TIME", "TIME_NS":
			return x.Format("15:04:05.999999999")
		case "TIMETZ", "TIME WITH TIME ZONE":
			return x.Format("15:04:05.999999999Z07:00")
		}
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			return uuidString(x)
		}
	}
	return safe(v)
}

// safe converts any value the driver returns into a JSON-safe one.
func safe(v any) any {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x
	case time.Time:
		if x.Year() == 1 && x.YearDay() == 1 {
			return x.Format("15:04:05.999999999")
		}
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return safeFloat(x)
	case float32:
		return safeFloat(float64(x))
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = safe(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = safe(e)
		}
		return out
	}
	return safeOther(v)
}

// safeOther handles integers and the driver's own types.
func safeOther(v any) any {
	switch x := v.(type) {
	case int8, int16, int32, uint8, uint16, uint32, int:
		return x
	case int64:
		return safeInt(x)
	case uint64:
		if x > maxSafeInt {
			return strconv.FormatUint(x, 10)
		}
		return int64(x)
	case *big.Int:
		if x.IsInt64() {
			return safeInt(x.Int64())
		}
		return x.String()
	case duckdb.Decimal:
		if x.Width <= 15 {
			return json.Number(x.String())
		}
		return x.String()
	case duckdb.OrderedMap:
		return safeMap(x)
	case duckdb.Interval:
		return map[string]any{"months": x.Months, "days": x.Days, "micros": safeInt(x.Micros)}
	case duckdb.UUID:
		return uuidString(x[:])
	case duckdb.Union:
		return safe(x.Value)
	}
	return fmt.Sprint(v)
}

func safeFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func safeInt(i int64) any {
	if i > maxSafeInt || i < -maxSafeInt {
		return strconv.FormatInt(i, 10)
	}
	return i
}

// safeMap turns a MAP into an object keyed by the keys' text.
func safeMap(m duckdb.OrderedMap) map[string]any {
	keys, vals := m.Keys(), m.Values()
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		ks, ok := safe(k).(string)
		if !ok {
			ks = fmt.Sprint(safe(k))
		}
		out[ks] = safe(vals[i])
	}
	return out
}

func uuidString(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
