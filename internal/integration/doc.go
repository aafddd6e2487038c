// Package integration holds end-to-end tests of ticklake against a Kafka
// cluster: produce -> sink -> crawl -> query, audited record by record, plus
// broker failures, rebalances and an under-replicated cluster.
//
// The same tests run against whichever Kafka the environment names:
// TICKLAKE_TEST_KAFKA_BROKERS (an existing cluster), else real Apache Kafka
// started from TICKLAKE_TEST_KAFKA_LIB (package kafkatest), else the embedded
// broker (kfake). Tests that kill brokers need the harness and skip without it.
package integration
