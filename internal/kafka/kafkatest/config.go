package kafkatest

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
)

// Env names the harness reads.
const (
	// EnvLib is the lib folder holding Kafka's jars.
	EnvLib = "TICKLAKE_TEST_KAFKA_LIB"
	// EnvBrokers names an existing cluster to test against instead.
	EnvBrokers = "TICKLAKE_TEST_KAFKA_BROKERS"
)

// Options shape a cluster.
type Options struct {
	// Lib is the folder of Kafka's jars; empty reads EnvLib.
	Lib string
	// Nodes is the node count, 1 (default) or 3. With 3, internal topics
	// and the default replication factor are 3 and min.insync.replicas 2.
	Nodes int
	// SCRAM, when set, adds a SASL_SSL listener (SCRAM-SHA-256/512 over TLS
	// with a CA the harness makes) and creates the user.
	SCRAM *SCRAMUser
	// ClientAuth makes the SASL_SSL listener require a client certificate
	// signed by the harness CA.
	ClientAuth bool
	// HeapMB is each JVM's maximum heap; 0 = 384.
	HeapMB int
	// Dir holds the nodes' files; empty = a new temporary directory.
	Dir string
}

// SCRAMUser is a SCRAM user the broker knows.
type SCRAMUser struct {
	Name, Password string
}

type nodePorts struct {
	plain, secure, controller int
}

// serverProperties renders node id's server.properties.
func (c *Cluster) serverProperties(id int) string {
	n := c.nodes[id]
	var voters []string
	for i, o := range c.nodes {
		voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d", i+1, o.ports.controller))
	}
	rf := len(c.nodes)
	minISR := 1
	if rf >= 3 {
		minISR = 2
	}
	p := map[string]string{
		"process.roles":                                    "broker,controller",
		"node.id":                                          fmt.Sprint(id + 1),
		"controller.quorum.voters":                         strings.Join(voters, ","),
		"controller.listener.names":                        "CONTROLLER",
		"inter.broker.listener.name":                       "PLAINTEXT",
		"listeners":                                        fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", n.ports.plain, n.ports.controller),
		"advertised.listeners":                             fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", n.ports.plain),
		"listener.security.protocol.map":                   "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"log.dirs":                                         n.dir + "/data",
		"num.partitions":                                   "3",
		"default.replication.factor":                       fmt.Sprint(rf),
		"min.insync.replicas":                              fmt.Sprint(minISR),
		"offsets.topic.replication.factor":                 fmt.Sprint(rf),
		"offsets.topic.num.partitions":                     "3",
		"transaction.state.log.replication.factor":         fmt.Sprint(rf),
		"transaction.state.log.min.isr":                    fmt.Sprint(minISR),
		"share.coordinator.state.topic.replication.factor": fmt.Sprint(rf),
		"share.coordinator.state.topic.min.isr":            fmt.Sprint(minISR),
		"group.initial.rebalance.delay.ms":                 "0",
		"auto.create.topics.enable":                        "false",
		"unclean.leader.election.enable":                   "false",
		// Fail over fast: a killed node leaves the ISR and loses its
		// leaderships within seconds, not the default 18-30.
		"broker.session.timeout.ms":    "3000",
		"broker.heartbeat.interval.ms": "500",
		"replica.lag.time.max.ms":      "5000",
		"log.segment.bytes":            fmt.Sprint(16 << 20),
		"num.network.threads":          "2",
		"num.io.threads":               "2",
		"background.threads":           "2",
		// The log cleaner allocates its dedupe buffer (128 MiB by default)
		// on the heap at startup: with a small heap that is an
		// OutOfMemoryError now and then. The suite's compacted topics
		// (consumer offsets) are tiny.
		"log.cleaner.dedupe.buffer.size": fmt.Sprint(8 << 20),
	}
	if c.opts.SCRAM != nil {
		p["listeners"] += fmt.Sprintf(",SASL_SSL://127.0.0.1:%d", n.ports.secure)
		p["advertised.listeners"] += fmt.Sprintf(",SASL_SSL://127.0.0.1:%d", n.ports.secure)
		p["listener.security.protocol.map"] += ",SASL_SSL:SASL_SSL"
		p["sasl.enabled.mechanisms"] = "SCRAM-SHA-256,SCRAM-SHA-512"
		for _, m := range []string{"scram-sha-256", "scram-sha-512"} {
			p["listener.name.sasl_ssl."+m+".sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
		}
		p["listener.name.sasl_ssl.ssl.keystore.type"] = "PEM"
		p["listener.name.sasl_ssl.ssl.keystore.location"] = c.tls.keystore
		p["listener.name.sasl_ssl.ssl.truststore.type"] = "PEM"
		p["listener.name.sasl_ssl.ssl.truststore.location"] = c.tls.CAFile
		if c.opts.ClientAuth {
			p["listener.name.sasl_ssl.ssl.client.auth"] = "required"
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, p[k])
	}
	return b.String()
}

const log4jConfig = `rootLogger.level=INFO
rootLogger.appenderRef.out.ref=OUT
appender.out.type=Console
appender.out.name=OUT
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.state.name=state.change.logger
logger.state.level=WARN
`

// portPicker hands out free TCP ports on 127.0.0.1, holding each open until
// release so that no port is handed out twice.
type portPicker struct{ held []net.Listener }

func (p *portPicker) pick() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	p.held = append(p.held, ln)
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (p *portPicker) release() {
	for _, ln := range p.held {
		ln.Close()
	}
}

func writeFile(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
