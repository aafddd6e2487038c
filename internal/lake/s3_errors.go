package lake

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// httpStatus returns the HTTP status of an S3 error response, or 0.
func httpStatus(err error) int {
	var hs interface{ HTTPStatusCode() int }
	if errors.As(err, &hs) {
		return hs.HTTPStatusCode()
	}
	return 0
}

// errorCode returns the S3 error code (NoSuchKey, AccessDenied, ...), or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isNotFound(err error) bool {
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	}
	return httpStatus(err) == 404 && errorCode(err) == ""
}

// isDenied tells errors fixed by other credentials or permissions.
func isDenied(err error) bool {
	switch errorCode(err) {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "XAdminUserNotFound", "ExpiredToken", "InvalidToken":
		return true
	}
	return httpStatus(err) == 403
}

// isPreconditionFailed tells a conditional write that lost: the key exists.
func isPreconditionFailed(err error) bool {
	return httpStatus(err) == 412 || errorCode(err) == "PreconditionFailed"
}

// retryableExtra adds to the SDK's retryable errors the ones a flaky network
// or proxy produces that the SDK leaves undecided: a connection closed before
// the response (EOF) and S3's conflict between concurrent conditional writes.
func retryableExtra(err error) aws.Ternary {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return aws.TrueTernary
	case errorCode(err) == "ConditionalRequestConflict", httpStatus(err) == 409 && errorCode(err) == "OperationAborted":
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// explain turns an S3 error into one line that names the problem and the fix.
// Missing objects wrap ErrNotExist.
func (s *S3) explain(op, key string, err error) error {
	code := errorCode(err)
	where := "s3://" + s.bucket + "/" + s.key(key)
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("lake: bucket %s does not exist; create it or fix --lake", s.bucket)
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException":
		return fmt.Errorf("lake: bucket %s is in another region than %s (%s); set --s3-region to the bucket's region", s.bucket, s.client.Options().Region, code)
	case isDenied(err):
		return fmt.Errorf("lake: access denied %s %s (%s); check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), --s3-region and the bucket policy", op, where, nonEmpty(code, "403"))
	case isNotFound(err):
		return fmt.Errorf("lake: %s: %w", key, ErrNotExist)
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("lake: cannot reach the S3 endpoint %s (%v); check --s3-endpoint and that the server is up", s.endpointName(), rootCause(err))
	case strings.Contains(err.Error(), "failed to retrieve credentials"), strings.Contains(err.Error(), "failed to refresh cached credentials"):
		return fmt.Errorf("lake: no AWS credentials found for %s; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE", where)
	}
	return fmt.Errorf("lake: %s %s: %w", op, where, err)
}

func (s *S3) endpointName() string {
	if ep := s.client.Options().BaseEndpoint; ep != nil {
		return *ep
	}
	return "of AWS S3 in " + s.client.Options().Region
}

// rootCause returns the innermost wrapped error, without the SDK's layers.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func nonEmpty(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}
