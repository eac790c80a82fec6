# Outpost's build and test entry points. `make test` is the one command that runs the
# whole suite (CI runs it through .ci/run).
GO ?= go
BIN := bin/outpost

.PHONY: build image test lint bench clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

# The container image (Dockerfile), FROM scratch unless BASE names another base image.
# TARGET=run builds the image for flow runs instead (outpost on the PATH, no entrypoint):
#   make image IMAGE=outpost-run:latest TARGET=run BASE=busybox:1.36
IMAGE ?= outpost:latest
BASE ?= scratch
TARGET ?=
image: build
	docker build --build-arg BASE=$(BASE) --build-arg VERSION="$$($(BIN) version | cut -d' ' -f2)" \
		--build-arg REVISION="$$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
		$(if $(TARGET),--target $(TARGET)) -t $(IMAGE) .

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
