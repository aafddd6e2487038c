#!/usr/bin/env bash
# Installs what the test suite needs beyond Go modules, on a fresh machine,
# and prints the TICKLAKE_TEST_* settings for the tests as shell assignments.
# Idempotent: what is already there is not installed again.
set -euo pipefail

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ ! -f /tmp/.ticklake-apt-updated ]; then
    $sudo apt-get update -qq >&2
    touch /tmp/.ticklake-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

# kcat (librdkafka): a Kafka client other than franz-go, to prove the
# embedded broker speaks the protocol.
command -v kcat >/dev/null 2>&1 || apt_install kcat
echo "export TICKLAKE_TEST_KCAT=$(command -v kcat)"

# --- versitygw (owner: lake/S3) ---------------------------------------------
# A real S3 server for the lake's S3 backend and the sink's S3 tests
# (internal/lake/s3test starts one per test). Built from source with the Go
# toolchain into a cache dir; rebuilt only when the pinned version is missing.
VERSITYGW_VERSION=v1.8.0
VERSITYGW_BIN_DIR="${TICKLAKE_CACHE_DIR:-$HOME/.cache/ticklake}/bin/versitygw-$VERSITYGW_VERSION"
if [ ! -x "$VERSITYGW_BIN_DIR/versitygw" ]; then
  mkdir -p "$VERSITYGW_BIN_DIR"
  GOBIN="$VERSITYGW_BIN_DIR" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
fi
echo "export TICKLAKE_TEST_VERSITYGW=$VERSITYGW_BIN_DIR/versitygw"
# --- end versitygw -----------------------------------------------------------

# --- moto (owner: catalog/glue) ----------------------------------------------
# moto[server]: a Python implementation of the AWS Glue API, for the Glue
# catalog's acceptance tests (internal/catalog/glue/gluetest starts one per
# test on 127.0.0.1). Installed with pip into a venv in a cache dir, pinned.
MOTO_VERSION=5.2.5
MOTO_VENV="${TICKLAKE_CACHE_DIR:-$HOME/.cache/ticklake}/moto-venv-$MOTO_VERSION"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  python3 -m venv "$MOTO_VENV" >&2
  "$MOTO_VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" >&2
fi
echo "export TICKLAKE_TEST_MOTO=$MOTO_VENV/bin/moto_server"
# --- end moto ------------------------------------------------------------------

# --- Apache Kafka (owner: kafka/kafkatest) ------------------------------------
# Real Apache Kafka 4.4.0 (KRaft) for the integration and failover tests: the
# harness (internal/kafka/kafkatest) starts brokers itself with Java 17 from
# the jars Maven resolves here (test/kafka/pom.xml) into a cache dir, once.
# TICKLAKE_TEST_KAFKA_BROKERS=host:port,... runs the integration tests against
# an existing cluster instead (failover tests still need the harness).
KAFKA_VERSION=4.4.0
KAFKA_LIB="${TICKLAKE_CACHE_DIR:-$HOME/.cache/ticklake}/kafka-$KAFKA_VERSION/lib"
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null 2>&1 || apt_install maven
if ! ls "$KAFKA_LIB"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1; then
  mkdir -p "$KAFKA_LIB"
  mvn -q -B -f "$(dirname "$0")/../test/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIB" >&2
fi
echo "export TICKLAKE_TEST_KAFKA_LIB=$KAFKA_LIB"
# --- end Apache Kafka -----------------------------------------------------------
