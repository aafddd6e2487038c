package tick

import (
	"strconv"
	"unsafe"
)

// Decoder parses trade and quote wire values without reflection, and
// interns the short strings that repeat (symbols, exchanges, sides,
// conditions), numbering them (see Refs). Anything its fast paths do not
// expect (escapes, unknown fields, nulls, exotic numbers) is handed to
// DecodeTrade/DecodeQuote, so it accepts and refuses exactly what they do.
// A Decoder is not safe for concurrent use.
type Decoder struct {
	interner
	tmp  []string // scratch for one list
	slab []string // backing store the decoded lists are cut from
}

// slabLen is how many list elements one slab allocation holds: decoded
// lists share slabs instead of costing an allocation each.
const slabLen = 4096

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{interner: newInterner()} }

// Trade decodes a trade's wire value, like DecodeTrade. Trades decoded from
// the same conditions may share their Conditions slice: it is read-only.
func (d *Decoder) Trade(b []byte) (Trade, error) {
	var t Trade
	var r Refs
	err := d.TradeRefs(b, &t, &r)
	return t, err
}

// TradeRefs decodes a trade's wire value into t like Trade, and sets r to
// the numbers of its strings and conditions.
func (d *Decoder) TradeRefs(b []byte, t *Trade, r *Refs) error {
	if d.canonicalTrade(b, t, r) && t.Symbol != "" && t.Ts != 0 {
		return nil
	}
	*t, *r = Trade{}, Refs{}
	if d.trade(b, t) && t.Symbol != "" && t.Ts != 0 {
		return nil
	}
	var err error
	*t, err = DecodeTrade(b)
	return err
}

// Quote decodes a quote's wire value, like DecodeQuote.
func (d *Decoder) Quote(b []byte) (Quote, error) {
	var q Quote
	var r Refs
	err := d.QuoteRefs(b, &q, &r)
	return q, err
}

// QuoteRefs decodes a quote's wire value into q like Quote, and sets r to
// the numbers of its strings.
func (d *Decoder) QuoteRefs(b []byte, q *Quote, r *Refs) error {
	if d.canonicalQuote(b, q, r) && q.Symbol != "" && q.Ts != 0 {
		return nil
	}
	*q, *r = Quote{}, Refs{}
	if d.quote(b, q) && q.Symbol != "" && q.Ts != 0 {
		return nil
	}
	var err error
	*q, err = DecodeQuote(b)
	return err
}

func (d *Decoder) trade(b []byte, t *Trade) bool {
	return d.object(b, func(s *scan, key []byte) bool {
		switch string(key) {
		case "symbol":
			return s.str(d, &t.Symbol)
		case "ts":
			return s.int(&t.Ts)
		case "price":
			return s.float(&t.Price)
		case "size":
			return s.int(&t.Size)
		case "exchange":
			return s.str(d, &t.Exchange)
		case "conditions":
			return s.strs(d, &t.Conditions)
		case "side":
			return s.str(d, &t.Side)
		case "seq":
			return s.int(&t.Seq)
		}
		return false
	})
}

func (d *Decoder) quote(b []byte, q *Quote) bool {
	return d.object(b, func(s *scan, key []byte) bool {
		switch string(key) {
		case "symbol":
			return s.str(d, &q.Symbol)
		case "ts":
			return s.int(&q.Ts)
		case "bid":
			return s.float(&q.Bid)
		case "bid_size":
			return s.int(&q.BidSize)
		case "ask":
			return s.float(&q.Ask)
		case "ask_size":
			return s.int(&q.AskSize)
		case "exchange":
			return s.str(d, &q.Exchange)
		case "seq":
			return s.int(&q.Seq)
		}
		return false
	})
}

// object walks a flat JSON object, calling field for each key with the scan
// positioned at its value; false anywhere means "use encoding/json".
func (d *Decoder) object(b []byte, field func(s *scan, key []byte) bool) bool {
	s := &scan{b: b}
	s.ws()
	if !s.eat('{') {
		return false
	}
	s.ws()
	if s.eat('}') {
		return s.end()
	}
	for {
		s.ws()
		key, ok := s.raw()
		if !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		if !field(s, key) {
			return false
		}
		s.ws()
		if s.eat('}') {
			return s.end()
		}
		if !s.eat(',') {
			return false
		}
	}
}

// scan is a cursor over one JSON value.
type scan struct {
	b []byte
	i int
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// raw reads a string without escapes or control characters, returning its
// bytes; anything else is left to encoding/json.
func (s *scan) raw() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	b, i := s.b, s.i // locals: the loop keeps them in registers
	start := i
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return b[start:i], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			s.i = i
			return nil, false // escapes, control bytes and non-ASCII (UTF-8 checks) go the slow way
		}
	}
	s.i = i
	return nil, false
}

func (s *scan) str(d *Decoder, dst *string) bool {
	b, ok := s.raw()
	if ok {
		*dst, _ = d.intern(b)
	}
	return ok
}

func (s *scan) strs(d *Decoder, dst *[]string) bool {
	l, _, end, ok := d.listAt(s.b, s.i)
	if ok {
		*dst, s.i = l, end
	}
	return ok
}

// list reads a list of strings.
func (s *scan) list(d *Decoder, dst *[]string) bool {
	if !s.eat('[') {
		return false
	}
	d.tmp = d.tmp[:0]
	s.ws()
	if s.eat(']') {
		*dst = d.list()
		return true
	}
	for {
		s.ws()
		var v string
		if !s.str(d, &v) {
			return false
		}
		d.tmp = append(d.tmp, v)
		s.ws()
		if s.eat(']') {
			*dst = d.list()
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// list copies the scratch list into the slab and returns it, capped so
// that appending to it never reaches a neighbour's elements; it is never
// nil, like encoding/json's empty list.
func (d *Decoder) list() []string {
	n := len(d.tmp)
	if cap(d.slab)-len(d.slab) < n || d.slab == nil {
		d.slab = make([]string, 0, max(slabLen, n))
	}
	start := len(d.slab)
	d.slab = append(d.slab, d.tmp...)
	return d.slab[start : start+n : start+n]
}

// number returns the bytes of a JSON number made of the characters numbers
// use; the parse functions check the rest.
func (s *scan) number() []byte {
	b, i := s.b, s.i
	start := i
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
		default:
			s.i = i
			return b[start:i]
		}
	}
	s.i = i
	return b[start:i]
}

// int parses a plain JSON integer: optional minus, no leading zeros, at
// most 19 digits, in one pass; anything else that numbers are made of
// right after it (a fraction, an exponent) means "not a plain integer".
func (s *scan) int(dst *int64) bool {
	neg := s.eat('-')
	b, start := s.b, s.i
	v, n := digitsPrefix(b[start:]) // 19 digits fit
	i := start + n
	if n == 19 && i < len(b) && b[i]-'0' < 10 {
		return false // overflowing: the slow way decides
	}
	s.i = i
	if n == 0 || (b[start] == '0' && n > 1) || v > 1<<63-1 {
		return false
	}
	if i < len(b) {
		switch b[i] {
		case '.', 'e', 'E', '+', '-':
			return false
		}
	}
	if neg {
		*dst = -int64(v)
	} else {
		*dst = int64(v)
	}
	return true
}

// float parses a JSON number the way encoding/json does.
func (s *scan) float(dst *float64) bool {
	b := s.number()
	if v, ok := decimal(b); ok {
		*dst = v
		return true
	}
	if !validNumber(b) {
		return false
	}
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimal parses the common shape of a price, -?int(.frac)?, when its
// digits make an integer of at most 2^53 and it has at most 22 fraction
// digits: the integer and the power of ten are then exact float64s, and
// their quotient is the correctly rounded value, the one strconv returns
// for the same bytes (strconv's own exact path). false means "another
// shape": the general path decides.
func decimal(b []byte) (float64, bool) {
	i, neg := 0, len(b) > 0 && b[0] == '-'
	if neg {
		i++
	}
	start := i
	var m uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		m = m*10 + uint64(b[i]-'0')
	}
	ints := i - start
	if ints == 0 || ints > 16 || (b[start] == '0' && ints > 1) {
		return 0, false
	}
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && ints+frac < 16; i++ {
			m = m*10 + uint64(b[i]-'0')
			frac++
		}
		if frac == 0 {
			return 0, false
		}
	}
	if i != len(b) || m > 1<<53 {
		return 0, false // an exponent, more digits, or a mantissa past 2^53
	}
	f := float64(m) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

// validNumber checks the JSON number grammar, which strconv is laxer about
// (it takes "+1", ".5", "1_000", "0x1p3", "Inf").
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}
