package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Open implements Store. The reader survives a broken or stalled body: it
// resumes with a ranged GET from where it stopped, pinned to the object's
// ETag so that it never splices two versions of a replaced object.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r := &objectReader{s: s, ctx: ctx, key: key, size: -1}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// objectReader reads one object, reopening it after a failed read.
type objectReader struct {
	s        *S3
	ctx      context.Context
	key      string
	etag     string
	off      int64
	size     int64 // -1 until the first GET answers
	failures int
	body     io.ReadCloser
	cancel   context.CancelFunc
}

func (r *objectReader) open() error {
	ctx, cancel := context.WithCancel(r.ctx)
	in := &s3.GetObjectInput{Bucket: &r.s.bucket, Key: aws.String(r.s.key(r.key))}
	resuming := r.size >= 0
	if resuming {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", r.off))
		if r.etag != "" {
			in.IfMatch = aws.String(r.etag)
		}
	}
	out, err := r.s.client.GetObject(ctx, in)
	if err != nil {
		cancel()
		if resuming && isPreconditionFailed(err) {
			return fmt.Errorf("lake: %s was replaced while being read at byte %d; read it again", r.key, r.off)
		}
		return r.s.explain("reading", r.key, err)
	}
	// A body that goes silent for an attempt timeout fails its read (the
	// client's read timeout), and Read resumes it like any broken body.
	r.etag, r.body, r.cancel = aws.ToString(out.ETag), out.Body, cancel
	if !resuming {
		r.size = math.MaxInt64 // unknown: a break always resumes
		if out.ContentLength != nil {
			r.size = *out.ContentLength
		}
	}
	return nil
}

// Read implements io.Reader. A failed read closes the body; the next one
// reopens the object where the data stopped, after a backoff.
func (r *objectReader) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if r.off >= r.size {
				return 0, io.EOF // the body broke after its last byte
			}
			if err := r.reopen(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		r.closeBody()
		r.failures++
		if r.ctx.Err() != nil || r.failures >= r.s.maxAttempts {
			return n, fmt.Errorf("lake: reading %s at byte %d: %w", r.key, r.off, err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (r *objectReader) reopen() error {
	if err := r.s.backoff(r.ctx, r.failures, io.ErrUnexpectedEOF); err != nil {
		return err
	}
	return r.open()
}

func (r *objectReader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.cancel()
		r.body = nil
	}
}

// Close implements io.Closer.
func (r *objectReader) Close() error {
	r.closeBody()
	return nil
}

// ReadAt implements Store: the size and ETag come from one HEAD, and every
// ReadAt is a ranged GET pinned to that ETag.
func (s *S3) ReadAt(ctx context.Context, key string) (ReaderAt, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if err != nil {
		return nil, s.explain("reading", key, err)
	}
	return &rangeReader{s: s, ctx: ctx, key: key, etag: aws.ToString(out.ETag), size: aws.ToInt64(out.ContentLength)}, nil
}

// rangeReader is an io.ReaderAt over ranged GETs; safe for concurrent use.
type rangeReader struct {
	s    *S3
	ctx  context.Context
	key  string
	etag string
	size int64
}

// Size implements ReaderAt.
func (r *rangeReader) Size() int64 { return r.size }

// Close implements ReaderAt.
func (r *rangeReader) Close() error { return nil }

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("lake: reading %s: negative offset %d", r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	if rest := r.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	var err error
	for attempt := 1; ; attempt++ {
		if err = r.readRange(want, off); err == nil || attempt >= r.s.maxAttempts || r.ctx.Err() != nil || errors.Is(err, ErrNotExist) || isPreconditionFailed(err) {
			break
		}
		if berr := r.s.backoff(r.ctx, attempt, err); berr != nil {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	if len(want) < len(p) {
		return len(want), io.EOF
	}
	return len(want), nil
}

// readRange fills p from off with one GET, within one attempt timeout.
func (r *rangeReader) readRange(p []byte, off int64) error {
	ctx, cancel := context.WithTimeout(r.ctx, r.s.timeout)
	defer cancel()
	out, err := r.s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket:  &r.s.bucket,
		Key:     aws.String(r.s.key(r.key)),
		Range:   aws.String(fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)),
		IfMatch: aws.String(r.etag),
	})
	if err != nil {
		return r.s.explain("reading", r.key, err)
	}
	defer out.Body.Close()
	if _, err := io.ReadFull(out.Body, p); err != nil {
		return fmt.Errorf("lake: reading %s at byte %d: %w", r.key, off, err)
	}
	return nil
}
