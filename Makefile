# Outpost's build and test entry points. `make test` is the one command that runs the
# whole suite (CI runs it through .ci/run).
GO ?= go
BIN := bin/outpost

.PHONY: build test lint bench clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	$(GO) test -count=1 -timeout 14m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1s ./secrets/ ./server/store/

clean:
	rm -rf bin
