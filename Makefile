# newsflow - see README.md. Every target works on a fresh clone with only Go
# installed; tools are installed into .tools/ on first use.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO       ?= go
# The Go release every target builds and tests with. go1.27.3 fixes the
# standard-library vulnerabilities that govulncheck reports for go1.26.8
# (net/http, crypto/tls, crypto/x509, mime/multipart); the go command takes
# it from the Go module proxy on first use (about 76 MB, once per machine).
# `make GO_RELEASE=local ...` uses whatever go is installed instead.
GO_RELEASE ?= go1.27.3
export GOTOOLCHAIN := $(GO_RELEASE)
MODULES  := pkg services/ingest services/enrich services/index services/poller services/watch cmd/newsflow deploy
PKGS     := $(addsuffix /...,$(addprefix ./,$(MODULES)))
BIN      := $(CURDIR)/bin
TOOLS    := $(CURDIR)/.tools/$(GO_RELEASE)
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X github.com/newsflow/newsflow/pkg/version.version=$(VERSION) -X github.com/newsflow/newsflow/pkg/version.revision=$(REVISION)
STATICCHECK_VERSION := v0.8.2
# Extra flags for go test, e.g. make test TESTFLAGS=-v
TESTFLAGS ?=


.PHONY: all toolchain build run docs test test-unit test-heavy test-faults test-fuzz test-chaos test-short vuln lint fmt vet staticcheck bench quality ner-model tidy clean help

all: build

toolchain: ## print the Go release the targets use (fetched on first use)
	$(GO) version

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build bin/newsflow, bin/ingest, bin/enrich, bin/index, bin/poller, bin/watch (static)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/newsflow ./services/ingest/cmd/ingest ./services/enrich/cmd/enrich ./services/index/cmd/index ./services/poller/cmd/poller ./services/watch/cmd/watch

run: build ## run the whole pipeline in one process (data in ./data, http://127.0.0.1:8080); flags in ARGS='--http 127.0.0.1:9090 --nats 127.0.0.1:4223'
	$(BIN)/newsflow up $(ARGS)

# `make test` is what CI runs (.ci/run): every suite, each with a bounded budget.
test: test-unit test-heavy test-faults test-fuzz test-chaos test-compose ## run every test

# Heavy tests without the race detector: accuracy and calibration over the
# corpus, comparisons of two implementations over thousands of corpus
# articles and queries (PostgreSQL against Bleve, SQL against its reference,
# watch matching against search), and the two end-to-end tests that push
# thousands of articles through a whole pipeline for the browser dashboard
# and the README tour. The first are single-goroutine computations; the
# pipeline's concurrency is covered under -race by the other end-to-end
# tests. The race detector makes them 5-10 times slower (over 15 minutes of
# CI in all), so test-unit skips them and test-heavy runs them without it,
# in the packages that hold them.
HEAVY_TESTS := TestUndOnCatalogues|TestCorpusAccuracy|TestLangidAccuracy|TestChoose|TestClosePairs|TestConfidenceGrowsWithEvidence|TestDetectReadsLetters|TestEntityCodes|TestOneTSQuery|TestEntityFacetByIDAgreesWithBleve|TestReportMeetsTheTextTargets|TestStoriesScore|TestSpeakersHeldOut|TestGoldTargets|TestHTMLExtractionF1|TestCorpusIngestsWithoutRejections|TestIndexedMatchAgreesOnCorpus|TestDashboardInChromium|TestReadmeTour
HEAVY_PKGS  = $(shell grep -rlE '^func ($(HEAVY_TESTS))[^A-Za-z0-9_]' --include='*_test.go' $(MODULES) | xargs -n1 dirname | sort -u | sed 's|^|./|')

# cmd/newsflow first: its end-to-end tests are the longest package run, and
# go test starts runs in the order given, so the other packages run beside
# it instead of after it.
UNIT_PKGS := ./cmd/newsflow/... $(filter-out ./cmd/newsflow/...,$(PKGS))

test-unit: ## unit, integration and end-to-end tests (the race detector on; the heavy ones in test-heavy)
	$(GO) test -race -count=1 -timeout 20m -skip '^(TestFault.*|$(HEAVY_TESTS))$$' $(TESTFLAGS) $(UNIT_PKGS)

test-heavy: ## corpus-sized checks and the browser dashboard's 5,000 articles, without the race detector
	@test -n "$(HEAVY_PKGS)" || { echo "no package holds the tests in HEAVY_TESTS"; exit 1; }
	$(GO) test -count=1 -timeout 20m -run '^($(HEAVY_TESTS))$$' $(TESTFLAGS) $(HEAVY_PKGS)

# The fault suite (docs/operations.md, "Faults survived"): every test named
# TestFault* in any module - full disks, exhausted descriptors, hostile
# clients and neighbours, corrupt indexes. Each bounds its own load and time;
# FAULTS_TIMEOUT caps the whole suite. test-unit skips them.
FAULTS_TIMEOUT ?= 10m
# Only the packages that hold TestFault* tests (found by grep), so that no
# other package's test binary is linked for nothing.
FAULT_PKGS = $(shell grep -rlE '^func TestFault' --include='*_test.go' $(MODULES) | xargs -n1 dirname | sort -u | sed 's|^|./|')
test-faults: build ## fault suite: disk full, descriptor exhaustion, hostile queries and neighbours, corruption
	@test -n "$(FAULT_PKGS)" || { echo "no TestFault tests found"; exit 1; }
	NEWSFLOW_BIN=$(BIN) $(GO) test -count=1 -v -run '^TestFault' -timeout $(FAULTS_TIMEOUT) $(FAULT_PKGS) 2>&1 | grep -Ev '^(=== RUN|=== PAUSE|=== CONT)' ; test $${PIPESTATUS[0]} -eq 0

FUZZTIME ?= 6s
test-fuzz: ## every Fuzz target for FUZZTIME (6s) each
	FUZZTIME=$(FUZZTIME) .ci/fuzz.sh

# The chaos test (cmd/newsflow/internal/chaos, build tag chaos): the workers as
# separate processes, random SIGKILLs, a nats-server restart. CHAOS_ARTICLES,
# CHAOS_POISON, CHAOS_DURATION, CHAOS_SEED tune it (docs/operations.md).
CHAOS_TIMEOUT ?= 10m
test-chaos: build $(BIN)/nats-server ## chaos test: 20,000 articles + 300 poison, SIGKILLs, a nats-server restart
	$(GO) vet -tags chaos ./cmd/newsflow/internal/chaos/
	NEWSFLOW_BIN=$(BIN) $(GO) test -tags chaos -count=1 -v -run TestChaos -timeout $(CHAOS_TIMEOUT) ./cmd/newsflow/internal/chaos/

test-short: ## quick tests for iteration
	$(GO) test -short -count=1 -timeout 5m $(TESTFLAGS) $(PKGS)

lint: fmt vet staticcheck ## gofmt, go vet, staticcheck

fmt:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(TOOLS)/staticcheck
	$(TOOLS)/staticcheck $(PKGS)

bench: ## micro-benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

ner-model: ## retrain the entity tagger's weights (pkg/entities/data/ner-model.bin.gz) from ../shared/corpus/ner
	$(GO) run ./pkg/entities/train -out pkg/entities/data/ner-model.bin.gz

docs: ## write docs/cli.md from the commands (TestCLIDocsCurrent fails when it is stale)
	$(GO) run ./cmd/newsflow docs -o docs/cli.md

quality: ## measure enrichment against the corpus and gold set into docs/quality.md
	$(GO) run ./services/enrich/cmd/quality -out docs/quality.md

# govulncheck against the Go vulnerability database. vuln.go.dev cannot be
# reached from CI, but the database's source, golang.org/x/vulndb, is a Go
# module: its data/osv holds every report as OSV JSON, and its cmd/indexdb
# turns that folder into a database govulncheck reads with -db file://.
# VULNDB_VERSION pins the snapshot (bump it to take newer reports); where
# the internet is, `make vuln VULN_DB=https://vuln.go.dev` uses the live one.
GOVULNCHECK_VERSION := v1.9.0
VULNDB_VERSION      := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR          := $(CURDIR)/.tools/vulndb-$(VULNDB_VERSION)
VULN_DB             ?= file://$(VULNDB_DIR)

$(TOOLS)/govulncheck:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(VULNDB_DIR)/index/db.json:
	src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$src/data/osv" || { echo "golang.org/x/vulndb@$(VULNDB_VERSION) has no data/osv"; exit 1; }; \
	rm -rf $(VULNDB_DIR).tmp; \
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB_DIR).tmp; \
	rm -rf $(VULNDB_DIR); mv $(VULNDB_DIR).tmp $(VULNDB_DIR)

vuln: $(TOOLS)/govulncheck $(if $(filter file://%,$(VULN_DB)),$(VULNDB_DIR)/index/db.json) ## govulncheck over every module (offline database snapshot; run by CI)
	for m in $(MODULES); do echo "== govulncheck $$m"; (cd $$m && $(TOOLS)/govulncheck -db $(VULN_DB) ./...); done

tidy: ## go mod tidy in every module
	for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

clean:
	rm -rf $(BIN) data

# Container images (deploy/docker, docs/deploy.md): FROM scratch, nothing
# pulled. nats-server is built from its Go module, Prometheus comes from
# Debian's package (apt-get install prometheus).
NATS_SERVER_VERSION := v2.15.2
.PHONY: images test-compose
images: build $(BIN)/nats-server $(BIN)/httpprobe ## container images of every service, built here FROM scratch
	BIN=$(BIN) VERSION=$(VERSION) REVISION=$(REVISION) deploy/docker/build-images.sh

# docker-compose.yml for real: images built here, three enrich replicas, one
# killed mid-run, a three-node NATS cluster losing the leader of its streams.
test-compose: images ## compose stack tests with Docker (scale-out, killed replica, NATS node loss)
	NEWSFLOW_TEST_COMPOSE=1 $(GO) test -count=1 -timeout 15m -v -run '^TestCompose' ./deploy/compose/

$(BIN)/nats-server:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 GOBIN=$(BIN) GOWORK=off GOFLAGS= $(GO) install -trimpath -ldflags '-s -w' github.com/nats-io/nats-server/v2@$(NATS_SERVER_VERSION)

$(BIN)/httpprobe: deploy/cmd/httpprobe/main.go
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $@ ./deploy/cmd/httpprobe
