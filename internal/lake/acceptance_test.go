package lake_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ticklake/ticklake/internal/lake"
	"github.com/ticklake/ticklake/internal/lake/laketest"
	"github.com/ticklake/ticklake/internal/lake/s3test"
)

func TestAcceptanceDir(t *testing.T) {
	laketest.Run(t, func(t *testing.T) lake.Store {
		d, err := lake.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	})
}

func TestAcceptanceS3(t *testing.T) {
	srv := s3test.Start(t)
	laketest.Run(t, func(t *testing.T) lake.Store {
		return srv.Store(t, prefixOf(t))
	})
}

// TestAcceptanceS3BucketRoot runs the suite on a lake that is a whole bucket,
// with no prefix.
func TestAcceptanceS3BucketRoot(t *testing.T) {
	srv := s3test.Start(t)
	n := 0
	laketest.Run(t, func(t *testing.T) lake.Store {
		n++
		srv.Bucket = "root" + string(rune('a'+n))
		srv.CreateBucket(t, srv.Bucket)
		return srv.Store(t, "")
	})
}

// prefixOf gives each subtest its own lake under one bucket.
func prefixOf(t *testing.T) string {
	sum := sha256.Sum256([]byte(t.Name()))
	return "lakes/" + hex.EncodeToString(sum[:6]) + "/x"
}
