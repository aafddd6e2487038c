package tick

// canonicalTrade decodes a trade written in the layout Trade.AppendJSON
// produces (ticklake's own producers): the fields in that order, no
// whitespace. It reads each field with the same parsers as the general path,
// so it yields what encoding/json would; false means "not that layout", and
// the caller takes the general path.
func (d *Decoder) canonicalTrade(b []byte, t *Trade) bool {
	s := &scan{b: b}
	return s.lit(`{"symbol":`) && s.str(d, &t.Symbol) &&
		s.lit(`,"ts":`) && s.int(&t.Ts) &&
		s.lit(`,"price":`) && s.float(&t.Price) &&
		s.lit(`,"size":`) && s.int(&t.Size) &&
		s.lit(`,"exchange":`) && s.str(d, &t.Exchange) &&
		s.lit(`,"conditions":`) && s.strs(d, &t.Conditions) &&
		s.lit(`,"side":`) && s.str(d, &t.Side) &&
		s.lit(`,"seq":`) && s.int(&t.Seq) &&
		s.lit(`}`) && s.i == len(b)
}

// lit consumes lit if the input continues with it.
func (s *scan) lit(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}
