package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafka"
	"github.com/ticklake/ticklake/internal/sim"
)

func newProduceCmd(e *env) *cobra.Command {
	var (
		kf         kafkaFlags
		sf         simFlags
		partitions int32
		retain     int64
	)
	scfg := sim.DefaultConfig()
	pcfg := kafka.ProducerConfig{TopicTrades: "trades", TopicQuotes: "quotes"}
	cmd := &cobra.Command{
		Use:   "produce",
		Short: "Simulate trades and quotes into Kafka",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := kf.requireBrokers(); err != nil {
				return err
			}
			if err := sf.apply(&scfg, &pcfg); err != nil {
				return err
			}
			s, err := sim.New(scfg)
			if err != nil {
				return err
			}
			cl, err := kgo.NewClient(kf.config().Opts(e.logger)...)
			if err != nil {
				return fmt.Errorf("creating Kafka client: %w", err)
			}
			defer cl.Close()
			if err := kafka.Ping(cmd.Context(), cl, kf.brokers, pingTimeout); err != nil {
				return err
			}
			specs := kafka.DefaultTopics(false)
			specs[0].Name, specs[1].Name = pcfg.TopicTrades, pcfg.TopicQuotes
			for i := range specs {
				specs[i].Partitions, specs[i].RetentionBytes = partitions, retain
			}
			if err := kafka.EnsureTopics(cmd.Context(), kadm.NewClient(cl), specs...); err != nil {
				return fmt.Errorf("preparing topics on %v: %w (is the broker reachable? check --brokers)", kf.brokers, err)
			}
			p, err := kafka.NewProducer(cl, pcfg, e.logger, nil)
			if err != nil {
				return err
			}
			err = p.Run(cmd.Context(), s)
			for topic, n := range p.Produced() {
				fmt.Fprintf(e.stdout, "%s: %d records produced\n", topic, n)
			}
			return err
		},
	}
	fs := cmd.Flags()
	kf.add(fs)
	sf.add(fs)
	fs.StringVar(&pcfg.TopicTrades, "topic-trades", pcfg.TopicTrades, "topic for trades")
	fs.StringVar(&pcfg.TopicQuotes, "topic-quotes", pcfg.TopicQuotes, "topic for quotes")
	fs.Int32Var(&partitions, "partitions", 3, "partitions of each topic ticklake creates")
	fs.Int64Var(&retain, "kafka-retention-bytes", 1<<30, "per-partition size cap of the topics ticklake creates")
	return cmd
}
