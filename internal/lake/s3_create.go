package lake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// writeIDKey is the user-metadata key under which Create stores a random id
// of the call, so that a retried Create can recognise its own earlier write.
const writeIDKey = "ticklake-write-id"

// Create implements Store: PutObject with If-None-Match: *, so S3 stores the
// object only if the key is free and answers 412 Precondition Failed
// otherwise.
//
// Create retries by itself rather than through the SDK because a retry is
// ambiguous: when an attempt fails after the request left (a 5xx, a reset,
// a timeout), the object may have been stored by that very attempt, and the
// next attempt then gets 412 for our own write. Every Create call therefore
// stores a random write id in the object's metadata, and a 412 after a
// failed attempt is settled by reading it back: our id means our earlier
// attempt won and Create succeeds; any other id means another writer won
// (ErrExists), even if it wrote the same bytes. A 412 on the first attempt
// is always ErrExists.
func (s *S3) Create(ctx context.Context, key string, data []byte) error {
	id, err := newWriteID()
	if err != nil {
		return err
	}
	in := s.putInput(key, data, true)
	in.Metadata = map[string]string{writeIDKey: id}
	ambiguous := false
	for attempt := 1; ; attempt++ {
		in.Body = bytes.NewReader(data)
		_, err := s.client.PutObject(ctx, in, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		switch {
		case err == nil:
			return nil
		case isPreconditionFailed(err) && ambiguous:
			return s.settleCreate(ctx, key, id, data)
		case isPreconditionFailed(err):
			return fmt.Errorf("lake: %s: %w", key, ErrExists)
		case ctx.Err() != nil || attempt >= s.maxAttempts || !s.retryer.IsErrorRetryable(err):
			return s.explain("creating", key, err)
		}
		ambiguous = true
		if err := s.backoff(ctx, attempt, err); err != nil {
			return s.explain("creating", key, err)
		}
	}
}

func newWriteID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lake: making a write id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// settleCreate decides a 412 that may answer our own earlier attempt.
func (s *S3) settleCreate(ctx context.Context, key, id string, data []byte) error {
	ours, err := s.wroteIt(ctx, key, id, data)
	if err != nil {
		return fmt.Errorf("lake: checking whether %s holds our write after a retry: %w", key, err)
	}
	if !ours {
		return fmt.Errorf("lake: %s: %w", key, ErrExists)
	}
	return nil
}

// wroteIt reports whether the object under key is the one written with id.
// A server that keeps no user metadata falls back to comparing the bytes.
func (s *S3) wroteIt(ctx context.Context, key, id string, data []byte) (bool, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if err != nil {
		return false, s.explain("reading", key, err)
	}
	if got, ok := out.Metadata[writeIDKey]; ok {
		return got == id, nil
	}
	if aws.ToInt64(out.ContentLength) != int64(len(data)) {
		return false, nil
	}
	r, err := s.Open(ctx, key)
	if err != nil {
		return false, err
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, data), nil
}

// backoff waits before attempt+1 as the SDK's retryer would.
func (s *S3) backoff(ctx context.Context, attempt int, cause error) error {
	d, err := s.retryer.RetryDelay(attempt, cause)
	if err != nil {
		d = 100 * time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
