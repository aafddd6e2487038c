package lake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Create implements Store: PutObject with If-None-Match: *, so S3 stores the
// object only if the key is free and answers 412 Precondition Failed
// otherwise.
//
// Create retries by itself rather than through the SDK because a retry is
// ambiguous: when an attempt fails after the request left (a 5xx, a reset,
// a timeout), the object may have been stored by that very attempt, and the
// next attempt then gets 412 for our own write. So a 412 after such a failed
// attempt is checked: when the object holds exactly our bytes, Create
// succeeds; otherwise another writer won and Create returns ErrExists. A 412
// on the first attempt is always ErrExists.
//
// Consequence for callers: two writers creating the same key with identical
// bytes may both succeed when one of them retried. Callers that need one
// winner must put something unique to the writer in the bytes.
func (s *S3) Create(ctx context.Context, key string, data []byte) error {
	ambiguous := false
	for attempt := 1; ; attempt++ {
		_, err := s.client.PutObject(ctx, s.putInput(key, data, true), func(o *s3.Options) {
			o.RetryMaxAttempts = 1
		})
		switch {
		case err == nil:
			return nil
		case isPreconditionFailed(err) && ambiguous:
			return s.settleCreate(ctx, key, data)
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

// settleCreate decides a 412 that may answer our own earlier attempt.
func (s *S3) settleCreate(ctx context.Context, key string, data []byte) error {
	same, err := s.holds(ctx, key, data)
	if err != nil {
		return fmt.Errorf("lake: checking whether %s holds our write after a retry: %w", key, err)
	}
	if !same {
		return fmt.Errorf("lake: %s: %w", key, ErrExists)
	}
	return nil
}

// holds reports whether the object under key has exactly data.
func (s *S3) holds(ctx context.Context, key string, data []byte) (bool, error) {
	st, err := s.Stat(ctx, key)
	if err != nil || st.Size != int64(len(data)) {
		return false, err
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
