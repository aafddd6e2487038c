package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/kafka/kafkatest"
)

// target is the Kafka the package's tests share.
type target struct {
	name    string
	brokers []string
	cluster *kafkatest.Cluster // the harness's node, when it runs one
}

// shared is set up once by TestMain.
var shared target

func TestMain(m *testing.M) {
	cleanup, err := setupShared()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// setupShared picks the shared Kafka: an existing cluster, a real node the
// harness starts, or the embedded broker.
func setupShared() (func(), error) {
	if b := os.Getenv(kafkatest.EnvBrokers); b != "" {
		shared = target{name: "existing cluster " + b, brokers: strings.Split(b, ",")}
		return func() {}, nil
	}
	if os.Getenv(kafkatest.EnvLib) != "" {
		c, err := kafkatest.Start(context.Background(), kafkatest.Options{})
		if err != nil {
			return nil, err
		}
		shared = target{name: "Apache Kafka 4.4 (harness)", brokers: c.Brokers(), cluster: c}
		return c.Close, nil
	}
	b, err := kafka.StartBroker(kafka.BrokerConfig{Listen: "127.0.0.1:0"}, nil)
	if err != nil {
		return nil, err
	}
	shared = target{name: "embedded broker (kfake)", brokers: []string{b.Addr()}}
	return func() { b.Close() }, nil
}

// needHarness skips a test that kills or restarts brokers unless the
// harness runs them.
func needHarness(t *testing.T) {
	t.Helper()
	if os.Getenv(kafkatest.EnvLib) == "" {
		t.Skipf("%s is not set: broker failure tests start real Kafka; make test sets it (scripts/test-deps.sh)", kafkatest.EnvLib)
	}
}
