package sim

// kind is the type of event an arrival produces.
type kind uint8

const (
	kindTrade kind = iota
	kindQuote
)

// arrival is the next scheduled event of one symbol and kind.
type arrival struct {
	ns   int64
	sym  int
	kind kind
}

// arrivals is a min-heap on event time; ties go to the lower symbol index,
// then trades before quotes, so the merge order is fully determined.
type arrivals []arrival

func (q arrivals) Len() int      { return len(q) }
func (q arrivals) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

func (q arrivals) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.ns != b.ns {
		return a.ns < b.ns
	}
	if a.sym != b.sym {
		return a.sym < b.sym
	}
	return a.kind < b.kind
}

func (q *arrivals) Push(x any) { *q = append(*q, x.(arrival)) }

func (q *arrivals) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
