#!/usr/bin/env bash
# Measures `ticklake produce --speed max` into the embedded broker (a separate
# `ticklake broker` process) against kcat (librdkafka) producing the same
# records, read as key<TAB>value lines from files, to the same broker in the
# same run. Usage: bench/produce/kcat.sh [RECORDS] (default 2000000).
# Needs bin/ticklake (make build) and kcat (scripts/test-deps.sh installs it).
set -euo pipefail
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
sed -n 's/^{"topic":"trades","key":"\([^"]*\)","timestamp":[0-9]*,"value":\(.*\)}$/\1\t\2/p' "$dir/lines.jsonl" >"$dir/trades.tsv"
sed -n 's/^{"topic":"quotes","key":"\([^"]*\)","timestamp":[0-9]*,"value":\(.*\)}$/\1\t\2/p' "$dir/lines.jsonl" >"$dir/quotes.tsv"
[ "$(cat "$dir/trades.tsv" "$dir/quotes.tsv" | wc -l)" -eq "$n" ] || { echo "bad split" >&2; exit 1; }

now() { date +%s.%N; }
t0=$(now)
"$bin" produce "${common[@]}" --brokers 127.0.0.1:$port --partitions 3 --compression lz4 >/dev/null
t1=$(now)
kc=(-P -b 127.0.0.1:$port -K $'\t' -z lz4 -l -X enable.idempotence=true -X acks=all -X linger.ms=5
  -X batch.size=1000000 -X queue.buffering.max.messages=1000000)
"$bin" produce --count 1 --speed max --start 2025-11-17 --brokers 127.0.0.1:$port --partitions 3 \
  --topic-trades kcat_trades --topic-quotes kcat_quotes --log-level warn >/dev/null # create the peer's topics alike
t2=$(now)
"$kcat" "${kc[@]}" -t kcat_trades "$dir/trades.tsv" &
k1=$!
"$kcat" "${kc[@]}" -t kcat_quotes "$dir/quotes.tsv" &
k2=$!
wait $k1 $k2
t3=$(now)
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  ours = n / (b - a); theirs = n / (d - c)
  printf "records %d\nticklake produce: %.2fs, %.0f records/s\nkcat (2 processes): %.2fs, %.0f records/s\nratio: %.2f\n", n, b - a, ours, d - c, theirs, ours / theirs
}'
