package lake_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/laketest"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

// TestS3OpenErrors checks that each way of pointing at the wrong place fails
// at open in one line that names the problem and the fix.
func TestS3OpenErrors(t *testing.T) {
	srv := s3test.Start(t)
	closed := closedPort(t)
	tests := []struct {
		name, url string
		opts      func(o *lake.Options)
		env       map[string]string
		want      string
	}{
		{"missing bucket", "s3://no-such-bucket/lake", nil, nil, "bucket no-such-bucket does not exist; create it or fix --lake"},
		{"no bucket", "s3:///lake", nil, nil, "names no bucket"},
		{"unreachable endpoint", "s3://lake/x", func(o *lake.Options) { o.S3Endpoint = "http://" + closed; o.S3MaxAttempts = 2 }, nil,
			"cannot reach the S3 endpoint http://" + closed},
		{"endpoint without scheme", "s3://lake/x", func(o *lake.Options) { o.S3Endpoint = "127.0.0.1:7070" }, nil, `invalid --s3-endpoint "127.0.0.1:7070"`},
		{"wrong secret", "s3://lake/x", nil, map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, "access denied opening s3://lake/x/"},
		{"no credentials", "s3://lake/x", nil, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "no AWS credentials found for s3://lake/x/"},
		{"unknown access key", "s3://lake/x", nil, map[string]string{"AWS_ACCESS_KEY_ID": "nobody"}, "check the AWS credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			o := srv.Options()
			if tc.opts != nil {
				tc.opts(&o)
			}
			st, err := lake.OpenWith(tc.url, o)
			if err == nil {
				st.Close()
				t.Fatalf("OpenWith(%s) succeeded, want an error containing %q", tc.url, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("OpenWith(%s) = %q, want one line containing %q", tc.url, err, tc.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), s3test.SecretKey) || strings.Contains(err.Error(), "wrong") {
				t.Fatalf("error %q shows a secret", err)
			}
		})
	}
}

// TestS3Prefixes checks that lakes under neighbouring prefixes of one bucket
// never see each other's objects, and how an S3 lake names itself.
func TestS3Prefixes(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	a, ab := srv.Store(t, "a"), srv.Store(t, "/ab/")
	for _, st := range []lake.Store{a, ab} {
		if err := st.Create(ctx, "t/x", []byte(st.URL())); err != nil {
			t.Fatal(err)
		}
	}
	if got := laketest.Keys(t, a, ""); !slices.Equal(got, []string{"t/x"}) {
		t.Fatalf("lake a lists %q, want only its own t/x", got)
	}
	if got := string(laketest.MustRead(t, ab, "t/x")); got != "s3://lake/ab" {
		t.Fatalf("lake ab's t/x holds %q; URL() should be s3://lake/ab", got)
	}
	if _, ok := a.LocalPath("t/x"); ok {
		t.Fatal("LocalPath of an S3 object reported a local file")
	}
	out, err := srv.Client().HeadObject(ctx, headInput("lake", "a/t/x"))
	if err != nil || *out.ContentLength != int64(len("s3://lake/a")) {
		t.Fatalf("object a/t/x in the bucket: %v, %v", out, err)
	}
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func headInput(bucket, key string) *s3.HeadObjectInput {
	return &s3.HeadObjectInput{Bucket: &bucket, Key: &key}
}
