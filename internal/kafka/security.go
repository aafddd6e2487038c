package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanisms ticklake speaks.
const (
	SASLPlain       = "plain"
	SASLScramSHA256 = "scram-sha-256"
	SASLScramSHA512 = "scram-sha-512"
)

// SASLConfig authenticates the client; an empty Mechanism means none.
type SASLConfig struct {
	// Mechanism is plain, scram-sha-256 or scram-sha-512.
	Mechanism string
	// User is the SASL user name.
	User string
	// PasswordFile holds the password (surrounding whitespace is trimmed),
	// so that it never shows in a process list.
	PasswordFile string
}

// TLSConfig encrypts the connections to the brokers.
type TLSConfig struct {
	// Enabled turns TLS on; any of the files below implies it.
	Enabled bool
	// CAFile is a PEM bundle of the CAs to trust; empty trusts the system's.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key, for
	// brokers that require one (ssl.client.auth=required).
	CertFile, KeyFile string
	// InsecureSkipVerify accepts any broker certificate (testing only).
	InsecureSkipVerify bool
}

// on reports whether TLS is wanted.
func (t TLSConfig) on() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.InsecureSkipVerify
}

// ConfigError is a client configuration that cannot be used (a missing file,
// a bad mechanism); retrying does not help.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// validate checks the security settings without reading files.
func (c ClientConfig) validateSecurity() error {
	s := c.SASL
	switch strings.ToLower(s.Mechanism) {
	case "":
		if s.User != "" || s.PasswordFile != "" {
			return errors.New("kafka: --kafka-user or --kafka-password-file without --kafka-sasl; pass --kafka-sasl scram-sha-512 (or scram-sha-256, plain)")
		}
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if s.User == "" || s.PasswordFile == "" {
			return fmt.Errorf("kafka: --kafka-sasl %s needs --kafka-user and --kafka-password-file", s.Mechanism)
		}
	default:
		return fmt.Errorf("kafka: unknown --kafka-sasl %q; use plain, scram-sha-256 or scram-sha-512", s.Mechanism)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return errors.New("kafka: give both --kafka-tls-cert and --kafka-tls-key, or neither")
	}
	return nil
}

// securityOpts returns the kgo options for TLS and SASL, reading the files
// they name.
func (c ClientConfig) securityOpts() ([]kgo.Opt, error) {
	if err := c.validateSecurity(); err != nil {
		return nil, err
	}
	var opts []kgo.Opt
	if c.TLS.on() {
		tc, err := c.TLS.load()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if c.SASL.Mechanism != "" {
		m, err := c.SASL.load()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

func (t TLSConfig) load() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in flag for testing
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: reading --kafka-tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: --kafka-tls-ca %s holds no PEM certificate; give the CA's PEM file", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: loading --kafka-tls-cert/--kafka-tls-key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func (s SASLConfig) load() (sasl.Mechanism, error) {
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return nil, fmt.Errorf("kafka: reading --kafka-password-file: %w", err)
	}
	pass := strings.TrimSpace(string(b))
	if pass == "" {
		return nil, fmt.Errorf("kafka: --kafka-password-file %s is empty", s.PasswordFile)
	}
	switch strings.ToLower(s.Mechanism) {
	case SASLPlain:
		return plain.Auth{User: s.User, Pass: pass}.AsMechanism(), nil
	case SASLScramSHA256:
		return scram.Auth{User: s.User, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: s.User, Pass: pass}.AsSha512Mechanism(), nil
	}
}

// failingDialer makes every connection fail with err: Opts cannot return an
// error, so a configuration it cannot load surfaces at the first request
// (Ping turns it into its one line).
func failingDialer(err error) kgo.Opt {
	return kgo.Dialer(func(context.Context, string, string) (net.Conn, error) {
		return nil, &ConfigError{err}
	})
}

// authError turns a refused login into one line naming the fix, or returns
// nil when err is not one.
func (c ClientConfig) authError(err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.IllegalSaslState) || errors.Is(err, kerr.UnsupportedSaslMechanism) {
		who := "the SASL login"
		if c.SASL.User != "" {
			who = fmt.Sprintf("the login of user %q with SASL %s", c.SASL.User, c.SASL.Mechanism)
		}
		return fmt.Errorf("Kafka refused %s: %w; check --kafka-user, --kafka-password-file and --kafka-sasl (not retrying)", who, err)
	}
	var tlsErr *tls.CertificateVerificationError
	if errors.As(err, &tlsErr) {
		return fmt.Errorf("the Kafka broker's TLS certificate is not trusted: %w; pass --kafka-tls-ca with the CA that signed it", err)
	}
	return nil
}

// Check connects once with cfg and reports within timeout whether a broker
// answers and accepts the credentials: one clear line for a bad address, a
// wrong password or an untrusted certificate, and no retries.
func Check(ctx context.Context, cfg ClientConfig, timeout time.Duration) error {
	cl, err := kgo.NewClient(cfg.Opts(nil)...)
	if err != nil {
		return fmt.Errorf("creating Kafka client: %w", err)
	}
	defer cl.Close()
	return cfg.Ping(ctx, cl, timeout)
}
