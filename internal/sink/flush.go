package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/internal/lake"
)

// commitError marks a failed commit: the files are in the lake, and the next
// commit covers their offsets.
type commitError struct{ err error }

func (e *commitError) Error() string { return "committing offsets: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// writeError marks a failed write to the lake: the range stays buffered (and
// claimed), and a later flush writes it again.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// rangeFile is one object of a flush range: a data file, or the range's
// bad records (file nil).
type rangeFile struct {
	key  string
	data []byte
	file *File
}

// flush writes the flush range of every buffer, then commits the offsets
// whose files are all in the lake. The partitions' flights land first (a
// parked one is retried); a range being reproduced waits for its last
// record. Ranges that can fly are written by flights, side by side, and
// landed here: on a store that answers slowly, as S3 does, a flush of many
// partitions takes about as long as one. The others are encoded on every
// core, then claimed and stored one by one. The caller holds s.mu.
func (s *Sink) flush(ctx context.Context, bufs []*partBuf) error {
	start := time.Now()
	var errs []error
	for _, pb := range bufs {
		if pb.flight != nil {
			errs = append(errs, s.settle(ctx, pb)) // a range still parked keeps the next one waiting
		}
	}
	var flown, rest []*partBuf
	for _, pb := range bufs {
		if s.flies(pb) {
			s.launch(ctx, pb)
			flown = append(flown, pb)
		} else {
			rest = append(rest, pb)
		}
	}
	pre := s.encodeRanges(rest)
	synced := 0
	for i, pb := range rest {
		if pb.writable() {
			errs = append(errs, s.writeRange(ctx, pb, pre[i]))
			synced++
		}
	}
	for _, pb := range flown {
		<-pb.flight.done
		errs = append(errs, s.land(ctx, pb))
	}
	var toCommit []*partBuf
	for _, pb := range bufs {
		if off := pb.commitOffset(); off >= 0 && off > pb.committed {
			toCommit = append(toCommit, pb)
		}
	}
	if len(toCommit) > 0 {
		errs = append(errs, s.commit(ctx, toCommit))
		if synced > 0 { // flights are timed as they land
			s.met.flush.Observe(time.Since(start).Seconds())
		}
	}
	return errors.Join(errs...)
}

// writeRange claims one partition's flush range and stores its files,
// encoding them unless pre holds them already. Losing the claim means
// another sink owns the range: the partition is resynced to the chain's end
// and its buffer dropped.
func (s *Sink) writeRange(ctx context.Context, pb *partBuf, pre *encodedRange) error {
	if pre == nil {
		pre = s.encodeNext(pb)
	}
	m, files, err := pre.m, pre.files, pre.err
	if err != nil {
		return err
	}
	if pb.claimed == nil {
		for _, f := range files {
			m.Files = append(m.Files, f.key)
		}
		if pb.seqs != nil {
			m.Seqs = pb.seqs.state(m.To)
		}
		err := s.claims.claim(ctx, pb.topic, pb.part, *m)
		if errors.Is(err, errClaimLost) {
			return s.lostClaim(ctx, pb)
		}
		if err != nil {
			return &writeError{fmt.Errorf("sink: %w", err)}
		}
		pb.claimed = m
		if pb.seqs != nil {
			pb.seqs.evict(m.To) // now the state the marker holds
		}
	}
	return s.finishRange(ctx, pb, *m, files)
}

// replayRange reproduces the files of the claimed range pb.pending[0] once
// all its records are buffered; only missing files are written.
func (s *Sink) replayRange(ctx context.Context, pb *partBuf) error {
	m := pb.pending[0]
	pb.to = m.To
	files, err := s.encodeRange(pb, m)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, f.key)
	}
	if !slices.Equal(keys, m.Files) {
		s.log.Error("sink: a claimed range does not reproduce the files its marker lists; writing what it yields",
			"marker", CommitKey(pb.topic, pb.part, m.From), "listed", m.Files, "reproduced", keys)
	}
	if err := s.finishRange(ctx, pb, m, files); err != nil {
		return err
	}
	pb.pending = pb.pending[1:]
	if pb.seqs != nil {
		pb.seqs = newDedupe(m.Seqs) // the marker is the truth; a range without state leaves none
	}
	s.log.Info("sink: rewrote a claimed range", "topic", pb.topic, "partition", pb.part, "from", m.From, "to", m.To)
	return nil
}

// finishRange stores a claimed range's files, moves the partition's head and
// empties the buffer.
func (s *Sink) finishRange(ctx context.Context, pb *partBuf, m marker, files []rangeFile) error {
	written, err := s.storeRange(ctx, pb.partKey, m, files)
	if err != nil {
		return err
	}
	s.account(pb, written)
	pb.clear()
	return nil
}

// storeRange stores a claimed range's files and moves the partition's head,
// returning the data files. It reads nothing the sink's lock guards, so a
// flight may call it.
func (s *Sink) storeRange(ctx context.Context, pk partKey, m marker, files []rangeFile) ([]File, error) {
	var written []File
	for _, f := range files {
		err := s.store.Create(ctx, f.key, f.data)
		switch {
		case errors.Is(err, lake.ErrExists):
			s.log.Debug("sink: file already in the lake; keeping it", "key", f.key)
		case err != nil:
			s.met.errors.WithLabelValues("write").Inc()
			return nil, &writeError{fmt.Errorf("sink: writing %s: %w", f.key, err)}
		}
		if f.file != nil {
			written = append(written, *f.file)
		}
	}
	if err := s.claims.advance(ctx, pk.topic, pk.part, m); err != nil {
		s.met.errors.WithLabelValues("head").Inc()
		s.log.Warn("sink: moving the chain head failed; the next owner reads more markers", "err", err)
	}
	return written, nil
}

// encodeRange builds the objects of one range, named and encoded from the
// range and its marker (its time and ids) alone. It reads nothing the
// sink's lock guards but pb, so a flight may call it with a detached range.
func (s *Sink) encodeRange(pb *partBuf, m marker) ([]rangeFile, error) {
	var files []rangeFile
	if pb.table != nil && pb.table.rows() > 0 {
		extra := map[string]string{
			MetaClusterID: m.ClusterID, MetaTopicID: m.TopicID,
			MetaRangeFrom: strconv.FormatInt(m.From, 10), MetaRangeTo: strconv.FormatInt(m.To, 10),
		}
		encoded, err := pb.table.encode(pb.topic, pb.part, m.Time, extra)
		if err != nil {
			return nil, fmt.Errorf("sink: %w", err)
		}
		for _, e := range encoded {
			files = append(files, s.dataFile(pb, e))
		}
	}
	if len(pb.bad) > 0 {
		files = append(files, rangeFile{key: ErrorsKey(pb.topic, pb.part, m.From, m.Time), data: encodeBadRecords(pb.bad)})
	}
	return files, nil
}

// dataFile names one encoded Parquet file.
func (s *Sink) dataFile(pb *partBuf, e encodedFile) rangeFile {
	df := lake.DataFile{
		Table: lake.TableName(pb.topic), Partition: e.partition, Topic: pb.topic,
		KafkaPart: pb.part, FirstOffset: e.firstOffset, LastOffset: e.lastOffset,
	}
	key := df.Key()
	return rangeFile{key: key, data: e.data, file: &File{
		Key: key, Table: df.Table, Topic: pb.topic, Partition: pb.part, Rows: e.rows,
		Bytes: int64(len(e.data)), FirstOffset: e.firstOffset, LastOffset: e.lastOffset,
	}}
}

// account counts a finished range's files and the freshness of its records.
func (s *Sink) account(pb *partBuf, files []File) {
	now := time.Now()
	s.fresh.observeSample(pb.produced, now) // the Prometheus histogram too
	s.buffered -= pb.bytes
	for _, f := range files {
		s.count(f.Topic, func(ts *TopicStats) { ts.Written += f.Rows; ts.Files++; ts.Bytes += f.Bytes })
		s.met.written.WithLabelValues(f.Topic).Add(float64(f.Rows))
		s.met.files.WithLabelValues(f.Topic).Inc()
		s.met.bytes.WithLabelValues(f.Topic).Add(float64(f.Bytes))
	}
	s.unsent = append(s.unsent, files...)
}

// lostClaim drops a partition's buffer after another sink claimed its range,
// and resyncs it to the chain: the loop seeks the consumer there.
func (s *Sink) lostClaim(ctx context.Context, pb *partBuf) error {
	s.met.claimsLost.Inc()
	s.lostCount++
	s.log.Warn("sink: another sink claimed this flush range; dropping the buffer and resyncing to the chain",
		"topic", pb.topic, "partition", pb.part, "from", pb.from, "to", pb.to)
	s.buffered -= pb.bytes
	pb.clear()
	ch, err := s.claims.resolve(ctx, pb.topic, pb.part)
	if err != nil {
		return &writeError{fmt.Errorf("sink: resolving the chain of %s partition %d: %w", pb.topic, pb.part, err)}
	}
	pb.resync(ch)
	pb.seek = true
	s.seeks[pb.partKey] = ch.resume()
	return nil
}

// commit commits each buffer's commit offset.
func (s *Sink) commit(ctx context.Context, bufs []*partBuf) error {
	offsets := commitOffsets(bufs)
	var cerr error
	s.client.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		cerr = commitResult(resp, err)
	})
	if cerr != nil {
		s.met.errors.WithLabelValues("commit").Inc()
		return &commitError{cerr}
	}
	for _, pb := range bufs {
		pb.committed = max(pb.committed, offsets[pb.topic][pb.part].Offset)
	}
	return nil
}

// commitOffsets is what committing bufs sends: each partition's offset
// after its landed records.
func commitOffsets(bufs []*partBuf) map[string]map[int32]kgo.EpochOffset {
	offsets := make(map[string]map[int32]kgo.EpochOffset)
	for _, pb := range bufs {
		if offsets[pb.topic] == nil {
			offsets[pb.topic] = make(map[int32]kgo.EpochOffset)
		}
		offsets[pb.topic][pb.part] = kgo.EpochOffset{Epoch: pb.epoch, Offset: pb.commitOffset()}
	}
	return offsets
}

// commitResult is the error of a commit's answer: the request's, or every
// partition's the broker refused.
func commitResult(resp *kmsg.OffsetCommitResponse, err error) error {
	if err != nil {
		return err
	}
	var cerr error
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				cerr = errors.Join(cerr, fmt.Errorf("%s partition %d: %w", t.Topic, p.Partition, err))
			}
		}
	}
	return cerr
}

// announce passes the files written since the last call to OnFiles, outside
// s.mu so that the callback may call back into the sink.
func (s *Sink) announce(ctx context.Context) {
	s.mu.Lock()
	files := s.unsent
	s.unsent = nil
	s.mu.Unlock()
	if len(files) == 0 || s.cfg.OnFiles == nil {
		return
	}
	actx, cancel := s.ioContext(ctx)
	defer cancel()
	s.cfg.OnFiles(actx, files)
}
