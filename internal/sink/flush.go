package sink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/internal/lake"
)

// partBuf is what the sink holds for one assigned partition: the rows of the
// flush range [from, to) consumed since the last write, and the last offset
// committed. Records without rows (malformed, control, no schema) still
// advance the range, so their offsets get committed too.
type partBuf struct {
	partKey
	table     table // nil when the topic has no schema yet
	from, to  int64 // -1 until the first record
	committed int64 // -1 until the sink commits for this partition
	epoch     int32 // leader epoch of the last record, for the commit
}

func newPartBuf(pk partKey, t table) *partBuf {
	return &partBuf{partKey: pk, table: t, from: -1, to: -1, committed: -1, epoch: -1}
}

// advance extends the flush range over r.
func (pb *partBuf) advance(r *kgo.Record) {
	if pb.from < 0 {
		pb.from = r.Offset
	}
	pb.to = r.Offset + 1
	pb.epoch = r.LeaderEpoch
}

func (pb *partBuf) unwritten() bool   { return pb.to > pb.from }
func (pb *partBuf) uncommitted() bool { return pb.to > pb.committed }

func (pb *partBuf) compare(o *partBuf) int {
	return cmp.Or(strings.Compare(pb.topic, o.topic), cmp.Compare(pb.part, o.part))
}

// commitError marks a failed commit: the files are in the lake, and the next
// commit covers their offsets.
type commitError struct{ err error }

func (e *commitError) Error() string { return "committing offsets: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// flush writes the flush range of every buffer as files, then commits their
// offsets: a range's offsets are committed only once all files of the flush
// are in the lake. The caller holds s.mu.
func (s *Sink) flush(ctx context.Context, bufs []*partBuf) error {
	start := time.Now()
	var toCommit []*partBuf
	for _, pb := range bufs {
		if pb.unwritten() {
			if err := s.writeRange(ctx, pb); err != nil {
				return err
			}
		}
		if pb.uncommitted() {
			toCommit = append(toCommit, pb)
		}
	}
	if len(toCommit) == 0 {
		return nil
	}
	err := s.commit(ctx, toCommit)
	s.met.flush.Observe(time.Since(start).Seconds())
	return err
}

// writeRange stores the files of one partition's flush range and empties it.
func (s *Sink) writeRange(ctx context.Context, pb *partBuf) error {
	if pb.table == nil || pb.table.rows() == 0 {
		pb.from = pb.to
		return nil
	}
	encoded, err := pb.table.encode(pb.topic, pb.part)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	files := make([]File, 0, len(encoded))
	for _, e := range encoded {
		f, err := s.storeFile(ctx, pb, e)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	pb.table.reset()
	pb.from = pb.to
	for _, f := range files {
		s.count(f.Topic, func(ts *TopicStats) { ts.Written += f.Rows; ts.Files++; ts.Bytes += f.Bytes })
		s.met.written.WithLabelValues(f.Topic).Add(float64(f.Rows))
		s.met.files.WithLabelValues(f.Topic).Inc()
		s.met.bytes.WithLabelValues(f.Topic).Add(float64(f.Bytes))
	}
	s.unsent = append(s.unsent, files...)
	return nil
}

// storeFile puts one encoded file in the lake. Its key is a function of its
// content's offsets, so finding the key taken means an earlier run wrote the
// same file and crashed before committing: the file is kept as it is.
func (s *Sink) storeFile(ctx context.Context, pb *partBuf, e encodedFile) (File, error) {
	df := lake.DataFile{
		Table: lake.TableName(pb.topic), Partition: e.partition, Topic: pb.topic,
		KafkaPart: pb.part, FirstOffset: e.firstOffset, LastOffset: e.lastOffset,
	}
	key := df.Key()
	err := s.store.Create(ctx, key, e.data)
	switch {
	case errors.Is(err, lake.ErrExists):
		s.log.Info("sink: file already in the lake from an earlier run; keeping it", "key", key)
	case err != nil:
		return File{}, fmt.Errorf("sink: writing %s: %w", key, err)
	}
	return File{
		Key: key, Table: df.Table, Topic: pb.topic, Partition: pb.part, Rows: e.rows,
		Bytes: int64(len(e.data)), FirstOffset: e.firstOffset, LastOffset: e.lastOffset,
	}, nil
}

// commit commits the end of each buffer's flush range.
func (s *Sink) commit(ctx context.Context, bufs []*partBuf) error {
	offsets := make(map[string]map[int32]kgo.EpochOffset)
	for _, pb := range bufs {
		if offsets[pb.topic] == nil {
			offsets[pb.topic] = make(map[int32]kgo.EpochOffset)
		}
		offsets[pb.topic][pb.part] = kgo.EpochOffset{Epoch: pb.epoch, Offset: pb.to}
	}
	var cerr error
	s.client.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					cerr = errors.Join(cerr, fmt.Errorf("%s partition %d: %w", t.Topic, p.Partition, err))
				}
			}
		}
	})
	if cerr != nil {
		return &commitError{cerr}
	}
	for _, pb := range bufs {
		pb.committed = pb.to
	}
	return nil
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
