# ticklake: `make run` builds and starts the whole pipeline on embedded
# defaults; `make test` runs every test. Both need only Go (the module proxy
# brings the rest).

GO        ?= go
BIN       := bin/ticklake
GOTESTFLAGS ?=

.PHONY: build run test vet bench clean

build:
	$(GO) build -o $(BIN) ./cmd/ticklake

run: build
	./$(BIN) up

vet:
	$(GO) vet ./...

# test installs what the suite needs (scripts/test-deps.sh), then runs every
# package's tests with the TICKLAKE_TEST_* settings it prints.
test: vet
	mkdir -p .cache && scripts/test-deps.sh > .cache/test-env.sh
	. ./.cache/test-env.sh && $(GO) test $(GOTESTFLAGS) -count=1 -timeout 15m ./...

bench:
	TICKLAKE_BENCH_DUCKDB="$$(bench/query/duckdb-cli.sh)" \
	$(GO) test -run '^$$' -bench . -benchmem ./bench/...
	$(MAKE) bench-produce

# bench-produce: `ticklake produce --speed max` vs kcat into one `ticklake
# broker` (bench/produce/kcat.sh; docs/benchmarks.md).
bench-produce: build
	eval "$$(scripts/test-deps.sh)" && TICKLAKE_BIN=$(BIN) bench/produce/kcat.sh 2000000

# bench-sink measures the sink at a million records (docs/benchmarks.md).
.PHONY: bench-sink
bench-sink:
	eval "$$(scripts/test-deps.sh)" && $(GO) test -run '^$$' -bench . -benchtime 1000000x -timeout 30m ./bench/sink

clean:
	rm -rf bin

# bench-kafka: `ticklake produce` vs Kafka's ProducerPerformance (Java) on one
# real Kafka 4.4 broker (bench/kafka/perf.sh; docs/benchmarks.md "Kafka").
.PHONY: bench-kafka
bench-kafka: build
	eval "$$(scripts/test-deps.sh)" && TICKLAKE_BIN=$(BIN) bench/kafka/perf.sh 2000000
