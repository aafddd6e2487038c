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
