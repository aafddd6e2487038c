package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ticklake/ticklake/internal/kafka"
)

func newBrokerCmd(e *env) *cobra.Command {
	var (
		listen  string
		dataDir string
		retain  int64
	)
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker alone",
		Long: `broker runs the embedded single-node Kafka-protocol broker (franz-go's kfake)
with its log under <data-dir>/kafka. It serves one machine; for several
machines use a real Kafka cluster and pass its address as --brokers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := kafka.StartBroker(kafka.BrokerConfig{Listen: listen, DataDir: filepath.Join(dataDir, "kafka"), RetentionBytes: retain}, e.logger)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "ticklake broker listening on %s (data in %s); Ctrl-C stops it\n", b.Addr(), filepath.Join(dataDir, "kafka"))
			<-cmd.Context().Done()
			return b.Close()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:9092", "address to listen on (port 0 = any free port)")
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir, "directory for ticklake's data; sets the default lake and catalog locations")
	cmd.Flags().Int64Var(&retain, "kafka-retention-bytes", 1<<30, "per-partition size cap of the topics ticklake creates")
	return cmd
}
