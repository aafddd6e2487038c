package cli

import (
	"github.com/spf13/pflag"

	"github.com/ticklake/ticklake/internal/lake"
)

// s3Flags are the options of an S3 lake, shared by every command that opens
// the lake. Credentials never come from flags: the standard AWS chain
// (environment, profile, instance role) supplies them.
type s3Flags struct {
	endpoint  string
	region    string
	pathStyle bool
}

func (s *s3Flags) add(fs *pflag.FlagSet) {
	fs.StringVar(&s.endpoint, "s3-endpoint", "", "base URL of an S3-compatible server for an s3:// --lake, e.g. http://127.0.0.1:7070 (default AWS)")
	fs.StringVar(&s.region, "s3-region", "", "region of an s3:// --lake (default AWS_REGION or the AWS profile's, else us-east-1)")
	fs.BoolVar(&s.pathStyle, "s3-path-style", false, "address buckets as <endpoint>/<bucket> (most S3-compatible servers need it)")
}

func (s *s3Flags) options() lake.Options {
	return lake.Options{S3Endpoint: s.endpoint, S3Region: s.region, S3PathStyle: s.pathStyle}
}
