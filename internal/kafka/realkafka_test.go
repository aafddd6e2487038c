package kafka

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka/kafkatest"
)

// The real broker of this package's tests: one node with a PLAINTEXT
// listener and a SCRAM-over-TLS listener that requires a client
// certificate, started by the first test that needs it.
var (
	realOnce    sync.Once
	realCluster *kafkatest.Cluster
	realErr     error
)

var testUser = kafkatest.SCRAMUser{Name: "ticklake-test", Password: "s3cret-pass"}

func TestMain(m *testing.M) {
	code := m.Run()
	if realCluster != nil {
		realCluster.Close()
	}
	os.Exit(code)
}

// newTestRealKafka returns the package's real Kafka node, or skips.
func newTestRealKafka(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	if os.Getenv(kafkatest.EnvLib) == "" {
		t.Skipf("%s is not set: real Kafka tests need the jars; make test sets it (scripts/test-deps.sh)", kafkatest.EnvLib)
	}
	realOnce.Do(func() {
		realCluster, realErr = kafkatest.Start(context.Background(), kafkatest.Options{SCRAM: &testUser, ClientAuth: true})
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realCluster
}

func writePassword(t *testing.T, pass string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(f, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSCRAMOverTLSProducesAndConsumes(t *testing.T) {
	c := newTestRealKafka(t)
	files := c.TLS()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := EnsureTopics(ctx, adminFor(t, c), TopicSpec{Name: "secure", Partitions: 1, ReplicationFactor: 1, RetentionMs: -1, RetentionBytes: -1}); err != nil {
		t.Fatal(err)
	}
	for _, mech := range []string{SASLScramSHA512, SASLScramSHA256} {
		t.Run(mech, func(t *testing.T) {
			cfg := ClientConfig{
				Brokers:  c.SecureBrokers(),
				ClientID: "ticklake-test",
				SASL:     SASLConfig{Mechanism: mech, User: testUser.Name, PasswordFile: writePassword(t, testUser.Password)},
				TLS:      TLSConfig{CAFile: files.CAFile, CertFile: files.ClientCert, KeyFile: files.ClientKey},
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := Check(ctx, cfg, 20*time.Second); err != nil {
				t.Fatalf("Check with the right credentials: %v", err)
			}
			popts, err := ProducerOpts(DefaultCompression)
			if err != nil {
				t.Fatal(err)
			}
			cl, err := kgo.NewClient(append(cfg.Opts(nil), append(popts, kgo.DefaultProduceTopic("secure"))...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if err := cl.ProduceSync(ctx, kgo.StringRecord(mech)).FirstErr(); err != nil {
				t.Fatalf("producing over SCRAM+TLS: %v", err)
			}
			cons, err := kgo.NewClient(append(cfg.Opts(nil), kgo.ConsumeTopics("secure"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
			if err != nil {
				t.Fatal(err)
			}
			defer cons.Close()
			found := false
			for !found {
				fs := cons.PollFetches(ctx)
				if err := ctx.Err(); err != nil {
					t.Fatalf("did not read back the %s record: %v", mech, err)
				}
				fs.EachRecord(func(r *kgo.Record) { found = found || string(r.Value) == mech })
			}
		})
	}
}

func TestSecurityMistakesAreOneClearError(t *testing.T) {
	c := newTestRealKafka(t)
	files := c.TLS()
	good := ClientConfig{
		Brokers:  c.SecureBrokers(),
		ClientID: "ticklake-test",
		SASL:     SASLConfig{Mechanism: SASLScramSHA512, User: testUser.Name, PasswordFile: writePassword(t, testUser.Password)},
		TLS:      TLSConfig{CAFile: files.CAFile, CertFile: files.ClientCert, KeyFile: files.ClientKey},
	}
	tests := []struct {
		name   string
		edit   func(*ClientConfig)
		want   string
		is     error
		failed int // failed logins the broker logs
	}{
		{"wrong password", func(c *ClientConfig) { c.SASL.PasswordFile = writePassword(t, "wrong") }, "--kafka-password-file", kerr.SaslAuthenticationFailed, 1},
		{"unknown user", func(c *ClientConfig) { c.SASL.User = "nobody" }, "--kafka-user", kerr.SaslAuthenticationFailed, 1},
		{"untrusted CA", func(c *ClientConfig) { c.TLS.CAFile = "" }, "--kafka-tls-ca", nil, 0},
		{"missing password file", func(c *ClientConfig) { c.SASL.PasswordFile = "/nonexistent/pw" }, "reading --kafka-password-file", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			before := failedLogins(t, c)
			start := time.Now()
			err := Check(context.Background(), cfg, 20*time.Second)
			if err == nil {
				t.Fatal("Check succeeded")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Check took %s: it retried instead of failing at once", took)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error = %q, want one line naming %s", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			if tc.failed > 0 {
				got := waitFailedLogins(t, c, before+tc.failed) - before
				if got > 2*c.Nodes() {
					t.Errorf("broker logged %d failed logins for one Check: a retry storm", got)
				}
			}
		})
	}
}

// TestEnsureTopicsOnRealKafka checks that the topic configs ticklake sets are
// accepted by Apache Kafka 4.4 and do what they are for: records stamped far
// in the past (backfill) and in the future (a fast simulated clock) are
// accepted, where Kafka 4's defaults refuse anything over an hour ahead.
func TestEnsureTopicsOnRealKafka(t *testing.T) {
	c := newTestRealKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	spec := TopicSpec{Name: "ensure", Partitions: 3, ReplicationFactor: -1, RetentionMs: -1, RetentionBytes: 1 << 30}
	for range 2 { // the second call finds the topic and leaves it
		if err := EnsureTopics(ctx, c.Admin(), spec); err != nil {
			t.Fatal(err)
		}
	}
	rcs, err := c.Admin().DescribeTopicConfigs(ctx, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(spec.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, cfg := range rc.Configs {
		got[cfg.Key] = cfg.MaybeValue()
	}
	for k, want := range map[string]string{
		ConfigRetentionMs: "-1", ConfigRetentionBytes: "1073741824",
		ConfigTimestampBeforeMax: maxTimestampSkewMs, ConfigTimestampAfterMax: maxTimestampSkewMs,
	} {
		if got[k] != want {
			t.Errorf("%s = %q on the broker, want %q", k, got[k], want)
		}
	}
	popts, err := ProducerOpts(DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(ClientConfig{Brokers: c.Brokers(), ClientID: "t"}.Opts(nil), popts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, ts := range []time.Time{time.Now().Add(-400 * 24 * time.Hour), time.Now().Add(48 * time.Hour)} {
		r := &kgo.Record{Topic: spec.Name, Key: []byte("AAPL"), Value: []byte("x"), Timestamp: ts}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Errorf("record stamped %s refused: %v", ts.Format(time.DateTime), err)
		}
	}
	// Without ticklake's configs the broker refuses the future record:
	// proof that the check above exercised the setting.
	if _, err := c.Admin().CreateTopic(ctx, 1, 1, nil, "plain-defaults"); err != nil {
		t.Fatal(err)
	}
	r := &kgo.Record{Topic: "plain-defaults", Value: []byte("x"), Timestamp: time.Now().Add(48 * time.Hour)}
	if err := cl.ProduceSync(ctx, r).FirstErr(); !errors.Is(err, kerr.InvalidTimestamp) {
		t.Errorf("future record on a default topic: err = %v, want INVALID_TIMESTAMP", err)
	}
}

func adminFor(t *testing.T, c *kafkatest.Cluster) *kadm.Client {
	t.Helper()
	return c.Admin()
}

// failedLogins counts the failed authentications the broker has logged.
func failedLogins(t *testing.T, c *kafkatest.Cluster) int {
	t.Helper()
	b, err := os.ReadFile(c.LogFile(0))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "Failed authentication with")
}

// waitFailedLogins polls until at least n failed logins are logged, then
// returns the count a moment later.
func waitFailedLogins(t *testing.T, c *kafkatest.Cluster, n int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for failedLogins(t, c) < n {
		if time.Now().After(deadline) {
			t.Fatalf("broker logged %d failed logins, want %d", failedLogins(t, c), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return failedLogins(t, c)
}
