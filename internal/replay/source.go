package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
)

// Source yields a CSV file's rows as encoded records. It is not safe for
// concurrent use.
type Source struct {
	topicS string
	keys   [][]byte
	values [][]byte
	sample bool
	rng    *rand.Rand
	next   int
	// Skipped is how many bad rows were reported and skipped.
	Skipped int
}

// Open reads and encodes the whole file (so --sample can draw from it),
// logging each bad row with its line number, or, under Strict, failing on
// the first.
func Open(cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := os.Open(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("replay: opening CSV: %w", err)
	}
	defer f.Close()
	s := &Source{topicS: cfg.Topic, sample: cfg.Sample, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7265706c6179))}
	if err := s.load(cfg, f, logger); err != nil {
		return nil, fmt.Errorf("replay: %s: %w", cfg.Path, err)
	}
	if len(s.values) == 0 {
		return nil, fmt.Errorf("replay: %s has no valid rows to replay", cfg.Path)
	}
	return s, nil
}

func (s *Source) load(cfg Config, r io.Reader, logger *slog.Logger) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted per row, so a bad row is reported, not fatal
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("reading the header: %w", err)
	}
	var sch *schema
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fmt.Errorf("reading: %w", err)
			}
			if rowErr := s.bad(cfg, logger, &RowError{Line: pe.StartLine, Reason: pe.Err.Error()}); rowErr != nil {
				return rowErr
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if sch == nil {
			sch = newSchema(cfg, header, row)
		}
		value, reason := sch.encode(nil, row)
		if reason != "" {
			if rowErr := s.bad(cfg, logger, &RowError{Line: line, Reason: reason}); rowErr != nil {
				return rowErr
			}
			continue
		}
		var key []byte
		if sch.key >= 0 {
			key = []byte(row[sch.key])
		}
		s.keys, s.values = append(s.keys, key), append(s.values, value)
	}
}

// bad reports a bad row; under Strict it returns it as the error.
func (s *Source) bad(cfg Config, logger *slog.Logger, e *RowError) error {
	if cfg.Strict {
		return fmt.Errorf("%w (--strict stops at the first bad row; drop it to skip bad rows)", e)
	}
	s.Skipped++
	logger.Warn("skipping a bad CSV row", "file", cfg.Path, "line", e.Line, "err", e.Reason)
	return nil
}

// Rows returns how many valid rows the file holds.
func (s *Source) Rows() int {
	return len(s.values)
}

// NextMessage returns the next row: in file order until the end, or, when
// sampling, a random row forever.
func (s *Source) NextMessage() (topic string, key, value []byte, ok bool) {
	i := s.next
	if s.sample {
		i = s.rng.IntN(len(s.values))
	} else if i >= len(s.values) {
		return "", nil, nil, false
	}
	s.next++
	return s.topicS, s.keys[i], s.values[i], true
}
