// Package awsconfig loads the AWS SDK configuration shared by ticklake's AWS
// clients other than S3 (Glue, Athena): a region, optional explicit
// credentials, and the default credential chain otherwise. It knows no
// service; each client sets its own endpoint.
package awsconfig

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Load returns the configuration for region. creds, when non-nil, replaces
// the default chain (environment, shared files, SSO, instance role). With a
// custom endpoint (a test server or a compatible service) the instance
// metadata service is not asked, so a machine without AWS does not wait on it.
func Load(ctx context.Context, region, endpoint string, creds aws.CredentialsProvider) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if creds != nil {
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	if endpoint != "" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}
