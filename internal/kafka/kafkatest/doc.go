// Package kafkatest starts real Apache Kafka (4.4, KRaft) for tests: one
// combined broker+controller node, or a three-node cluster, on 127.0.0.1 with
// free ports and log dirs under a temporary directory, run by the machine's
// Java 17 from the jars scripts/test-deps.sh resolves (TICKLAKE_TEST_KAFKA_LIB).
//
// A cluster can kill -9 and restart its nodes (failover tests) and can serve
// SCRAM over TLS with a certificate authority the harness makes (security
// tests). Each node logs to server.log in its own directory; a failed start
// reports the log's tail.
package kafkatest
