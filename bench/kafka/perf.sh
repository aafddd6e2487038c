#!/usr/bin/env bash
# Measures `ticklake produce --speed max` against Apache Kafka's own Java
# producer benchmark (org.apache.kafka.tools.ProducerPerformance, from the jars
# scripts/test-deps.sh resolves) on the same single-node Kafka 4.4 broker
# (KRaft, started here), with the same record values, acks=all, idempotence,
# lz4, the same linger (LINGER_MS, default 5) and 1 MiB batches. Usage:
# [LINGER_MS=25] bench/kafka/perf.sh [RECORDS]
# (default 2000000). Needs bin/ticklake (make build), Java 17 and
# TICKLAKE_TEST_KAFKA_LIB (eval "$(scripts/test-deps.sh)").
# ProducerPerformance sends values without keys (sticky partitioning) into one
# three-partition topic; ticklake keys each record by symbol into two.
set -euo pipefail
export LOAD="$(cut -d" " -f1 /proc/loadavg)"
n=${1:-2000000}
linger=${LINGER_MS:-5}
bin=${TICKLAKE_BIN:-bin/ticklake}
lib=${TICKLAKE_TEST_KAFKA_LIB:?run eval "\$(scripts/test-deps.sh)" first}
port=${BENCH_PORT:-19192}
dir=$(mktemp -d)
broker=""
trap '[ -n "$broker" ] && { kill $broker 2>/dev/null; wait $broker 2>/dev/null || true; }; rm -rf "$dir"; true' EXIT

cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((port + 1))
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=false
PROPS
printf 'rootLogger.level=WARN\nrootLogger.appenderRef.out.ref=OUT\nappender.out.type=Console\nappender.out.name=OUT\nappender.out.layout.type=PatternLayout\nappender.out.layout.pattern=%%m%%n\n' >"$dir/log4j2.properties"
jvm=(-Xms1g -Xmx1g -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$lib/*")
java "${jvm[@]}" kafka.tools.StorageTool format -t "$(java "${jvm[@]}" kafka.tools.StorageTool random-uuid)" \
  -c "$dir/server.properties" >/dev/null
java "${jvm[@]}" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
broker=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

common=(--count "$n" --speed max --start 2025-11-17 --seed 1 --log-level warn)
# The record values of the same run, one per line, for ProducerPerformance.
"$bin" produce --count 200000 --speed max --start 2025-11-17 --seed 1 --log-level warn --output - |
  sed 's/.*"value"://; s/}$//' >"$dir/values.txt"
"$bin" produce --count 1 --speed max --start 2025-11-17 --brokers 127.0.0.1:$port --partitions 3 \
  --topic-trades perf_unused --topic-quotes perf --log-level warn >/dev/null # create the peer's topic alike

now() { date +%s.%N; }
broker_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' /proc/$broker/stat; }
cpu() { awk '{ s += $1 + $2 } END { print s }' "$@"; }

b0=$(broker_cpu); t0=$(now)
/usr/bin/time -f "%U %S" -o "$dir/cpu.ticklake" \
  "$bin" produce "${common[@]}" --brokers 127.0.0.1:$port --partitions 3 --compression lz4 --linger "${linger}ms" >/dev/null
t1=$(now); b1=$(broker_cpu)
b2=$(broker_cpu); t2=$(now)
/usr/bin/time -f "%U %S" -o "$dir/cpu.java" \
  java -Xmx1g -cp "$lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" org.apache.kafka.tools.ProducerPerformance \
  --topic perf --num-records "$n" --throughput -1 --payload-file "$dir/values.txt" \
  --producer-props bootstrap.servers=127.0.0.1:$port acks=all enable.idempotence=true compression.type=lz4 \
  linger.ms="$linger" batch.size=1048576 buffer.memory=134217728 >"$dir/java.out"
t3=$(now); b3=$(broker_cpu)
tail -1 "$dir/java.out"
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
  -v oc="$(cpu "$dir/cpu.ticklake")" -v tc="$(cpu "$dir/cpu.java")" \
  -v b0="$b0" -v b1="$b1" -v b2="$b2" -v b3="$b3" 'BEGIN {
  ob = b1 - b0; tb = b3 - b2
  ours = n / (b - a); theirs = n / (d - c)
  printf "records %d, load average at start %s\n", n, ENVIRON["LOAD"]
  printf "ticklake produce:            %6.2fs  %8.0f records/s  client CPU %.2fs (%.2f us/record)  broker CPU %.2fs\n", b - a, ours, oc, oc / n * 1e6, ob
  printf "Java ProducerPerformance:    %6.2fs  %8.0f records/s  client CPU %.2fs (%.2f us/record)  broker CPU %.2fs (wall includes JVM start)\n", d - c, theirs, tc, tc / n * 1e6, tb
  printf "ratio (records/s): %.2f   ratio (client CPU per record, java/ticklake): %.2f\n", ours / theirs, tc / oc
}'
