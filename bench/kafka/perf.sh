#!/usr/bin/env bash
# Measures `ticklake produce --speed max` against Apache Kafka's own Java
# producer benchmark (org.apache.kafka.tools.ProducerPerformance, from the jars
# scripts/test-deps.sh resolves) on the same single-node Kafka 4.4 broker
# (KRaft, started here), with the same record values, acks=all, idempotence,
# lz4, the same linger (LINGER_MS, default 5) and 1 MiB batches. Usage:
# [LINGER_MS=5] [WARMUP=2] [ROUNDS=3] bench/kafka/perf.sh [RECORDS]
# (default 2000000). Needs bin/ticklake (make build), Java 17 and
# TICKLAKE_TEST_KAFKA_LIB (eval "$(scripts/test-deps.sh)").
# ProducerPerformance sends values without keys (sticky partitioning) into one
# three-partition topic; ticklake keys each record by symbol into two.
#
# A fresh broker spends its first tens of millions of records compiling its
# own code (C1/C2 compiler threads: 3-4.5 CPU seconds during the first 2M
# records), which used to land on whichever side ran first. So the script
# first runs both sides WARMUP times, then ROUNDS measured rounds, alternating
# which side goes first, and reports per run the broker's CPU split into its
# compiler threads and its request threads (network + handlers), the produce
# requests it served (JMX) and the batches the run left in its log
# (DumpLogSegments; every run writes to topics of its own). The summary gives
# the medians of the measured runs.
set -euo pipefail
n=${1:-2000000}
linger=${LINGER_MS:-5}
warmup=${WARMUP:-2}
rounds=${ROUNDS:-3}
bin=${TICKLAKE_BIN:-bin/ticklake}
lib=${TICKLAKE_TEST_KAFKA_LIB:?run eval "\$(scripts/test-deps.sh)" first}
port=${BENCH_PORT:-19192}
jmxport=$((port + 2))
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
jmx=(-Dcom.sun.management.jmxremote.port=$jmxport -Dcom.sun.management.jmxremote.rmi.port=$jmxport
  -Dcom.sun.management.jmxremote.host=127.0.0.1 -Djava.rmi.server.hostname=127.0.0.1
  -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false)
java "${jvm[@]}" kafka.tools.StorageTool format -t "$(java "${jvm[@]}" kafka.tools.StorageTool random-uuid)" \
  -c "$dir/server.properties" >/dev/null
java "${jmx[@]}" "${jvm[@]}" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
broker=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

common=(--count "$n" --speed max --start 2025-11-17 --seed 1 --log-level warn)
# The record values of the same run, one per line, for ProducerPerformance.
"$bin" produce --count 200000 --speed max --start 2025-11-17 --seed 1 --log-level warn --output - 2>/dev/null |
  sed 's/.*"value"://; s/}$//' >"$dir/values.txt"

now() { date +%s.%N; }
broker_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' /proc/$broker/stat; }
# CPU ticks of the broker's threads, summed by thread name without its number
threads() {
  for t in /proc/$broker/task/*; do
    printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null)"
  done | awk -F'\t' 'NF == 2 && $2 != "" { sub(/[0-9-]+$/, "", $1); s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' | sort
}
# CPU seconds of the threads matching $3 between snapshots $1 and $2
thread_cpu() { join -t$'\t' "$1" "$2" | awk -F'\t' -v re="$3" -v hz="$(getconf CLK_TCK)" '$1 ~ re { s += $3 - $2 } END { print s / hz }'; }
produce_requests() {
  java -cp "$lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" org.apache.kafka.tools.JmxTool \
    --jmx-url service:jmx:rmi:///jndi/rmi://127.0.0.1:$jmxport/jmxrmi --one-time true --report-format tsv \
    --object-name 'kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,*' --attributes Count 2>/dev/null |
    awk -F'\t' '/Count/ { s += $2 } END { print s + 0 }'
}
# "batches records bytes" in the log segments of the topics given
batches() {
  local files=() t
  for t in "$@"; do files+=("$dir"/data/"$t"-*/*.log); done
  java -cp "$lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" org.apache.kafka.tools.DumpLogSegments \
    --files "$(IFS=,; echo "${files[*]}")" 2>/dev/null |
    awk '/^baseOffset/ { for (i = 1; i < NF; i++) { if ($i == "count:") c = $(i + 1); if ($i == "size:") s = $(i + 1) }; b++; r += c; z += s }
      END { print b + 0, r + 0, z + 0 }'
}

# run SIDE(t|j) RUN: one timed run into topics of its own; prints one result line
run() {
  local side=$1 i=$2 topics
  "$bin" produce --count 1 --speed max --start 2025-11-17 --brokers 127.0.0.1:$port --partitions 3 \
    --topic-trades "t${i}_trades" --topic-quotes "t${i}_quotes" --log-level warn >/dev/null
  "$bin" produce --count 1 --speed max --start 2025-11-17 --brokers 127.0.0.1:$port --partitions 3 \
    --topic-trades "j${i}_unused" --topic-quotes "j${i}" --log-level warn >/dev/null # the peer's topic, alike
  local load r0 r1 b0 b1 t0 t1 own=0
  load=$(cut -d" " -f1 /proc/loadavg)
  r0=$(produce_requests); threads >"$dir/thr0"
  b0=$(broker_cpu); t0=$(now)
  if [ "$side" = t ]; then
    /usr/bin/time -f "%U %S" -o "$dir/cpu" "$bin" produce "${common[@]}" --brokers 127.0.0.1:$port \
      --topic-trades "t${i}_trades" --topic-quotes "t${i}_quotes" --compression lz4 --linger "${linger}ms" >/dev/null
    topics=("t${i}_trades" "t${i}_quotes")
  else
    /usr/bin/time -f "%U %S" -o "$dir/cpu" \
      java -Xmx1g -cp "$lib/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" org.apache.kafka.tools.ProducerPerformance \
      --topic "j${i}" --num-records "$n" --throughput -1 --payload-file "$dir/values.txt" \
      --producer-props bootstrap.servers=127.0.0.1:$port acks=all enable.idempotence=true compression.type=lz4 \
      linger.ms="$linger" batch.size=1048576 buffer.memory=134217728 >"$dir/java.out"
    own=$(tail -1 "$dir/java.out" | awk '{ print $4 }')
    topics=("j${i}")
  fi
  t1=$(now); b1=$(broker_cpu)
  threads >"$dir/thr1"; r1=$(produce_requests)
  echo "$side $i $load $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') $own $(awk '{ print $1 + $2 }' "$dir/cpu")" \
    "$(awk -v a="$b0" -v b="$b1" 'BEGIN { print b - a }') $(thread_cpu "$dir/thr0" "$dir/thr1" Compiler)" \
    "$(thread_cpu "$dir/thr0" "$dir/thr1" data-plane) $((r1 - r0)) $(batches "${topics[@]}")"
}

# side run load wall own_rate client_cpu broker_cpu jit_cpu request_cpu requests batches records bytes
show() {
  awk -v n="$n" -v tag="$1" '{
    name = $1 == "t" ? "ticklake produce        " : "Java ProducerPerformance"
    rate = n / $4; if ($1 == "j") rate = $5
    printf "%-7s %s load %5s  %7.0f records/s  client %.2f us/record  broker %.2fs (compiling %.2fs, requests %.2fs)  %4d produce requests  %5d batches (%4.0f records, %3.0f KB)\n",
      tag, name, $3, rate, $6 / n * 1e6, $7, $8, $9, $10, $11, $12 / $11, $13 / $11 / 1024 }'
}

echo "records $n per run, linger ${linger} ms, $warmup warm-up and $rounds measured rounds"
i=0
for _ in $(seq "$warmup"); do
  for side in t j; do i=$((i + 1)); run $side $i | show warm-up; done
done
for r in $(seq "$rounds"); do
  order="t j"; [ $((r % 2)) -eq 0 ] && order="j t"
  for side in $order; do i=$((i + 1)); run $side $i | tee -a "$dir/results" | show "round $r"; done
done
# medians of the measured runs: records/s (ticklake: wall; Java: its own figure), broker CPU, request CPU
sort -k1,1 "$dir/results" | awk -v n="$n" '
  function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  { s = $1; k[s]++; rate[s, k[s]] = s == "t" ? n / $4 : $5; cpu[s, k[s]] = $7; req[s, k[s]] = $9; cl[s, k[s]] = $6 / n * 1e6 }
  END {
    for (s in k) { delete a; for (i = 1; i <= k[s]; i++) a[i] = rate[s, i]; mr[s] = med(a, k[s])
      delete a; for (i = 1; i <= k[s]; i++) a[i] = cpu[s, i]; mc[s] = med(a, k[s])
      delete a; for (i = 1; i <= k[s]; i++) a[i] = req[s, i]; mq[s] = med(a, k[s])
      delete a; for (i = 1; i <= k[s]; i++) a[i] = cl[s, i]; ml[s] = med(a, k[s]) }
    printf "median ticklake produce:          %7.0f records/s  client %.2f us/record  broker %.2fs (requests %.2fs)\n", mr["t"], ml["t"], mc["t"], mq["t"]
    printf "median Java ProducerPerformance:  %7.0f records/s  client %.2f us/record  broker %.2fs (requests %.2fs)  (its own figure, JVM start excluded)\n", mr["j"], ml["j"], mc["j"], mq["j"]
    printf "ratio of medians (records/s): %.2f   broker CPU ticklake/Java: %.2f (requests %.2f)\n", mr["t"] / mr["j"], mc["t"] / mc["j"], mq["t"] / mq["j"]
  }'
