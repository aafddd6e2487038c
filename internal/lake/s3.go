package lake

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// Defaults of the S3 backend's retry policy.
const (
	defaultS3MaxAttempts    = 8
	defaultS3AttemptTimeout = 30 * time.Second
	s3MaxBackoff            = 2 * time.Second
	s3OpenTimeout           = 20 * time.Second
)

// S3 is a lake under a prefix of an S3 bucket. Create is a conditional
// PutObject (If-None-Match: *), so the no-replace guarantee holds across
// writers on different machines.
type S3 struct {
	client      *s3.Client
	retryer     countingRetryer
	retries     atomic.Int64
	bucket      string
	prefix      string // "" or ends with "/"
	maxAttempts int
	timeout     time.Duration
}

var _ Store = (*S3)(nil)

// OpenS3 opens the lake at u (s3://bucket/prefix) and checks that the bucket
// answers, so a wrong name, endpoint or credential fails here in one line.
func OpenS3(u *url.URL, o Options) (*S3, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("lake: %q names no bucket; use s3://bucket/prefix", u.String())
	}
	if err := checkEndpoint(o.S3Endpoint); err != nil {
		return nil, err
	}
	s := &S3{
		bucket:      u.Host,
		prefix:      strings.Trim(u.Path, "/"),
		maxAttempts: o.S3MaxAttempts,
		timeout:     o.S3AttemptTimeout,
	}
	if s.prefix != "" {
		s.prefix += "/"
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = defaultS3MaxAttempts
	}
	if s.timeout <= 0 {
		s.timeout = defaultS3AttemptTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3OpenTimeout)
	defer cancel()
	if err := s.connect(ctx, o); err != nil {
		return nil, err
	}
	// A one-key listing rather than HeadBucket: HEAD answers carry no error
	// code, and listing is what the lake needs to be allowed anyway.
	probe := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix), MaxKeys: aws.Int32(1)}
	if _, err := s.client.ListObjectsV2(ctx, probe); err != nil {
		return nil, s.explain("opening", "", err)
	}
	return s, nil
}

func checkEndpoint(ep string) error {
	if ep == "" {
		return nil
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("lake: invalid --s3-endpoint %q; give a URL such as http://127.0.0.1:7070 or https://s3.example.com", ep)
	}
	return nil
}

// connect builds the client: the standard AWS credential chain, the
// standard retryer without its retry quota (a burst of faults must not turn
// into failures), and a transport whose timeouts end stalled attempts.
func (s *S3) connect(ctx context.Context, o Options) error {
	s.retryer = countingRetryer{RetryerV2: retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = s.maxAttempts
		so.MaxBackoff = s3MaxBackoff
		so.RateLimiter = ratelimit.None
		so.Retryables = append(so.Retryables, retry.IsErrorRetryableFunc(retryableExtra))
	}), n: &s.retries}
	loaders := []func(*config.LoadOptions) error{
		config.WithHTTPClient(s.httpClient()),
		config.WithRetryer(func() aws.Retryer { return s.retryer }),
		// The SDK's own warnings (an undrained body after a cut connection)
		// are not actionable; failures reach the caller as errors.
		config.WithLogger(logging.Nop{}),
	}
	if o.S3Region != "" {
		loaders = append(loaders, config.WithRegion(o.S3Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return fmt.Errorf("lake: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	s.client = s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.S3Endpoint != "" {
			so.BaseEndpoint = aws.String(o.S3Endpoint)
		}
		so.UsePathStyle = o.S3PathStyle
		// Content-MD5 protects every upload; the CRC trailers the SDK adds by
		// default are not understood by every S3-compatible server.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return nil
}

// countingRetryer is the SDK's retryer, counting the retries it schedules.
type countingRetryer struct {
	aws.RetryerV2
	n *atomic.Int64
}

// RetryDelay implements aws.Retryer; the SDK calls it once per retry.
func (r countingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	r.n.Add(1)
	return r.RetryerV2.RetryDelay(attempt, err)
}

// Retries returns how many requests were repeated after a transient failure.
func (s *S3) Retries() int64 { return s.retries.Load() }

// httpClient bounds every wait on the network by the attempt timeout: the
// response headers, each read (the SDK's read timeout: a body that goes
// silent fails) and each write (a server that stops reading an upload).
func (s *S3) httpClient() *awshttp.BuildableClient {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return awshttp.NewBuildableClient().
		WithTransportOptions(func(tr *http.Transport) {
			tr.ResponseHeaderTimeout = s.timeout
			tr.MaxIdleConnsPerHost = 64
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &writeDeadlineConn{Conn: c, timeout: s.timeout}, nil
			}
		}).
		WithReadTimeout(s.timeout)
}

// writeDeadlineConn fails a write that makes no progress for timeout.
type writeDeadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *writeDeadlineConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// key turns a lake key into an object key.
func (s *S3) key(k string) string { return s.prefix + k }

// URL implements Store.
func (s *S3) URL() string { return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/") }

// Bucket returns the bucket's name.
func (s *S3) Bucket() string { return s.bucket }

// LocalPath implements Store: objects in S3 have no local path.
func (s *S3) LocalPath(string) (string, bool) { return "", false }

// Close implements Store.
func (s *S3) Close() error { return nil }

// Put implements Store: a plain PutObject, atomic and replacing.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if _, err := s.client.PutObject(ctx, s.putInput(key, data, false)); err != nil {
		return s.explain("writing", key, err)
	}
	return nil
}

func (s *S3) putInput(key string, data []byte, ifAbsent bool) *s3.PutObjectInput {
	sum := md5.Sum(data)
	in := &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           aws.String(s.key(key)),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	}
	if ifAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	return in
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if err != nil {
		return Object{}, s.explain("reading", key, err)
	}
	return Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(key))})
	if err != nil && !isNotFound(err) {
		return s.explain("deleting", key, err)
	}
	return nil
}

// List implements Store: ListObjectsV2 returns keys in UTF-8 byte order.
func (s *S3) List(ctx context.Context, prefix string, fn func(Object) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: &s.bucket,
		Prefix: aws.String(s.key(prefix)),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.explain("listing", prefix, err)
		}
		for _, o := range page.Contents {
			k := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if err := fn(Object{Key: k, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}
	}
	return nil
}
