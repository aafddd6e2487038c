package sim

// arrival is the next scheduled event of one symbol.
type arrival struct {
	ns  int64
	sym int
}

// before orders arrivals by time, ties to the lower symbol index, so the
// merge order is fully determined.
func (a arrival) before(b arrival) bool {
	return a.ns < b.ns || (a.ns == b.ns && a.sym < b.sym)
}

// arrivals is a binary min-heap of arrivals, typed to keep the hot path free
// of interface calls.
type arrivals []arrival

func (q arrivals) init() {
	for i := len(q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

// down restores the heap below i after q[i] got later.
func (q arrivals) down(i int) {
	n := len(q)
	x := q[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && q[r].before(q[c]) {
			c = r
		}
		if !q[c].before(x) {
			break
		}
		q[i] = q[c]
		i = c
	}
	q[i] = x
}
