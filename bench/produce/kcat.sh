#!/usr/bin/env bash
# Measures `ticklake produce --speed max` into the embedded broker (a separate
# `ticklake broker` process) against kcat (librdkafka) producing the same
# records, read as key<TAB>value lines from files, to the same broker in the
# same run. Usage: bench/produce/kcat.sh [RECORDS] (default 2000000).
# Needs bin/ticklake (make build) and kcat (scripts/test-deps.sh installs it).
set -euo pipefail
export LOAD="$(cut -d" " -f1 /proc/loadavg)"
n=${1:-2000000}
bin=${TICKLAKE_BIN:-bin/ticklake}
kcat=${TICKLAKE_TEST_KCAT:-$(command -v kcat)}
port=${BENCH_PORT:-19092}
dir=$(mktemp -d)
trap 'kill $broker 2>/dev/null || true; wait $broker 2>/dev/null || true; rm -rf "$dir"' EXIT

"$bin" broker --listen 127.0.0.1:$port --data-dir "$dir/data" --kafka-retention-bytes -1 >"$dir/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

common=(--count "$n" --speed max --start 2025-11-17 --seed 1 --log-level warn)
# The same records as files for kcat: one key<TAB>value file per topic.
"$bin" produce "${common[@]}" --output "$dir/lines.jsonl" >/dev/null
awk -v dir="$dir" '{ split($0, f, "\""); i = index($0, "\"value\":")
  print f[8] "\t" substr($0, i + 8, length($0) - i - 8) > (dir "/" f[4] ".tsv") }' "$dir/lines.jsonl"
[ "$(cat "$dir/trades.tsv" "$dir/quotes.tsv" | wc -l)" -eq "$n" ] || { echo "bad split" >&2; exit 1; }

now() { date +%s.%N; }
# CPU seconds (user+sys) the broker has used so far
broker_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' /proc/$broker/stat; }
cpu() { awk '{ s += $1 + $2 } END { print s }' "$@"; }
"$bin" produce --count 1 --speed max --start 2025-11-17 --brokers 127.0.0.1:$port --partitions 3 \
  --topic-trades kcat_trades --topic-quotes kcat_quotes --log-level warn >/dev/null # create the peer's topics alike

b0=$(broker_cpu); t0=$(now)
/usr/bin/time -f "%U %S" -o "$dir/cpu.ticklake" \
  "$bin" produce "${common[@]}" --brokers 127.0.0.1:$port --partitions 3 --compression lz4 >/dev/null
t1=$(now); b1=$(broker_cpu)
kc=(-P -b 127.0.0.1:$port -K $'\t' -z lz4 -l -X enable.idempotence=true -X acks=all -X linger.ms=5
  -X batch.size=1000000 -X queue.buffering.max.messages=1000000)
b2=$(broker_cpu); t2=$(now)
# the same headers as ticklake's records (produced-at fixed)
hs=(-H ticklake-schema-version=1 -H ticklake-produced-at=1763370000000000000)
/usr/bin/time -f "%U %S" -o "$dir/cpu.kcat1" "$kcat" "${kc[@]}" "${hs[@]}" -H ticklake-event-type=trade -t kcat_trades "$dir/trades.tsv" &
k1=$!
/usr/bin/time -f "%U %S" -o "$dir/cpu.kcat2" "$kcat" "${kc[@]}" "${hs[@]}" -H ticklake-event-type=quote -t kcat_quotes "$dir/quotes.tsv" &
k2=$!
wait $k1 $k2
t3=$(now); b3=$(broker_cpu)
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
  -v oc="$(cpu "$dir/cpu.ticklake")" -v tc="$(cpu "$dir/cpu.kcat1" "$dir/cpu.kcat2")" \
  -v b0="$b0" -v b1="$b1" -v b2="$b2" -v b3="$b3" 'BEGIN {
  ob = b1 - b0; tb = b3 - b2
  ours = n / (b - a); theirs = n / (d - c)
  printf "records %d, load average at start %s\n", n, ENVIRON["LOAD"]
  printf "ticklake produce:   %6.2fs  %8.0f records/s  client CPU %.2fs (%.2f us/record)  broker CPU %.2fs\n", b - a, ours, oc, oc / n * 1e6, ob
  printf "kcat (2 processes): %6.2fs  %8.0f records/s  client CPU %.2fs (%.2f us/record)  broker CPU %.2fs\n", d - c, theirs, tc, tc / n * 1e6, tb
  printf "ratio (records/s): %.2f   ratio (client CPU per record, kcat/ticklake): %.2f\n", ours / theirs, tc / oc
}'
