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
	eval "$$(scripts/test-deps.sh)" && $(GO) test $(GOTESTFLAGS) -count=1 -timeout 15m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./bench/...

clean:
	rm -rf bin
