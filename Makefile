# goldmane-trail: the jobs, the demo, the tests and the benchmarks.
# `make help` lists the targets.

SWIFT        ?= swift
BUILD_FLAGS  ?=
BIN_DEBUG     = .build/debug/goldmane-trail
BIN_RELEASE   = .build/release/goldmane-trail
# The tests and benchmarks run in the project's virtual environment (scripts/bootstrap.sh makes it).
VENV          = .venv
PYTHON       ?= $(VENV)/bin/python
# Subprocesses that say `python3` get the same interpreter.
WITH_VENV     = PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
OUT          ?= out
# pytest-xdist workers: most Python tests wait on servers, clocks and subprocesses, so more
# workers than cores (6 was faster than 4 on 2 cores); the tests marked `serial` (they stop the
# shared PostgreSQL) run after, alone.
TEST_WORKERS ?= 6
# The archive the jobs read (the capture CronJob's volume in production).
ARCHIVE      ?= archive

SAMPLES_ARCHIVE = samples/archive
GOLDEN_BATCH    = samples/golden-batch.jsonl
# The committed samples: 3 hours (01:30 to 04:30 UTC, including a 03:00 CronJob) of a
# ~40-namespace home lab, in 15-minute windows.
SAMPLES_FLAGS   = --start 2026-11-27T01:30:00Z --windows 12 --window-minutes 15 --activity 0.5 --seed 2026

FUZZ_SECONDS ?= 600
FUZZ_BUILD    = $(SWIFT) build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
ASAN_BUILD    = --scratch-path .build-asan -Xswiftc -sanitize=address

.PHONY: help packages venv build release test demo sanitize fuzz capture etl replay digest egress-report graph health check-deploy migrate samples golden-batch golden-reports proto bench instructions instructions-baseline clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

packages: ## Install the missing Debian packages the build, demo and tests need (scripts/bootstrap.sh)
	@scripts/bootstrap.sh

venv: ## The packages, then the Python test dependencies in .venv/ (created once, reused)
	@scripts/bootstrap.sh --venv

build: packages ## Debug build of goldmane-trail
	$(SWIFT) build $(BUILD_FLAGS)

release: packages ## Release build (benchmarks, production)
	$(SWIFT) build -c release $(BUILD_FLAGS)

test: venv build ## Run every test: Swift tests, then the Python reader and the PostgreSQL tests (throwaway servers)
	GOLDMANE_TRAIL_REQUIRE_DATABASE=1 scripts/with-postgres.sh $(SWIFT) test $(BUILD_FLAGS)
	$(WITH_VENV) GOLDMANE_TRAIL_BIN=$(BIN_DEBUG) scripts/with-postgres.sh scripts/with-rgw.sh $(PYTHON) -m pytest -q -n $(TEST_WORKERS) -m "not serial" Tests/python
	$(WITH_VENV) GOLDMANE_TRAIL_BIN=$(BIN_DEBUG) scripts/with-postgres.sh scripts/with-rgw.sh $(PYTHON) -m pytest -q -m serial Tests/python
	$(MAKE) instructions

instructions: build ## The fold's instructions per item (callgrind) against bench/instructions-baseline.json: fails above +10%
	$(PYTHON) scripts/instruction-guard.py --probe .build/debug/TransformProbe --bin $(BIN_DEBUG) --work $(OUT)/instructions

instructions-baseline: build ## Re-record bench/instructions-baseline.json: on purpose only (say why in the commit)
	$(PYTHON) scripts/instruction-guard.py --probe .build/debug/TransformProbe --bin $(BIN_DEBUG) --work $(OUT)/instructions --record

sanitize: venv ## Swift tests, the fuzz corpus, a high-cardinality transform and the same archive through an S3 bucket under AddressSanitizer
	$(SWIFT) build $(ASAN_BUILD) --build-tests
	SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Fixtures/lsan-suppressions.txt GOLDMANE_TRAIL_REQUIRE_DATABASE=1 \
		scripts/with-postgres.sh $(SWIFT) test $(ASAN_BUILD) --skip-build
	SWIFT_BACKTRACE=enable=no .build-asan/debug/FuzzSegmentReader Tests/Fixtures/fuzz/segment-reader
	SWIFT_BACKTRACE=enable=no .build-asan/debug/FuzzFlowRecord Tests/Fixtures/fuzz/flow-record
	rm -rf $(OUT)/sanitize && mkdir -p $(OUT)/sanitize
	SWIFT_BACKTRACE=enable=no .build-asan/debug/goldmane-trail samples --out $(OUT)/sanitize/archive --windows 1 --scale 60 --seed 7
	SWIFT_BACKTRACE=enable=no .build-asan/debug/goldmane-trail transform $(OUT)/sanitize/archive -o $(OUT)/sanitize/batch.jsonl
	$(WITH_VENV) SWIFT_BACKTRACE=enable=no scripts/with-rgw.sh $(PYTHON) Tests/python/s3_roundtrip.py --bin .build-asan/debug/goldmane-trail \
		--archive $(OUT)/sanitize/archive --batch $(OUT)/sanitize/batch.jsonl

fuzz: packages ## libFuzzer on the segment reader and the fold, FUZZ_SECONDS each (600); crashes join Tests/Fixtures/fuzz
	$(FUZZ_BUILD) --product FuzzSegmentReader
	$(FUZZ_BUILD) --product FuzzFlowRecord
	scripts/fuzz.sh $(FUZZ_SECONDS) $(OUT)/fuzz

demo: build ## The pipeline on samples/ with a throwaway PostgreSQL: runbook queries, digest (dry run), egress report, map
	GOLDMANE_TRAIL_BIN=$(BIN_DEBUG) OUT=$(OUT) scripts/with-postgres.sh scripts/demo.sh

capture: release ## Capture the next window of Goldmane's stream into $(ARCHIVE) (what the CronJob runs; WINDOW=15m)
	$(BIN_RELEASE) capture --archive $(ARCHIVE) --window $(or $(WINDOW),15m) $(METRICS)

etl: release ## Transform and load every new sealed segment of $(ARCHIVE) (DATABASE_URL or PG*)
	$(BIN_RELEASE) etl --archive $(ARCHIVE)

replay: release ## Rebuild the tables from $(ARCHIVE) and swap them in atomically (optional FROM= TO=)
	$(BIN_RELEASE) replay --archive $(ARCHIVE) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

digest: release ## Post the edges first seen in the last 24h to Slack (SLACK_WEBHOOK_URL; DRY_RUN=1 prints)
	$(BIN_RELEASE) digest $(if $(AT),--at $(AT))

egress-report: release ## Wave-1 egress report to $(OUT)/egress-report.md and .json, candidate policies in $(OUT)/policies (NS= one namespace)
	@mkdir -p $(OUT)
	$(BIN_RELEASE) egress-report $(if $(NS),--namespace $(NS)) -o $(OUT)/egress-report.md --policies $(OUT)/policies
	$(BIN_RELEASE) egress-report $(if $(NS),--namespace $(NS)) --format json -o $(OUT)/egress-report.json

graph: release ## The namespace map: $(OUT)/map.svg (needs Graphviz) and $(OUT)/map.dot
	@mkdir -p $(OUT)
	$(BIN_RELEASE) graph -o $(OUT)/map.dot
	$(BIN_RELEASE) graph --format svg -o $(OUT)/map.svg

health: release ## Is the trail fresh? Newest sealed segment of $(ARCHIVE) and newest loaded data (MAX_AGE=30m); exit 2 when stale
	$(BIN_RELEASE) health --archive $(ARCHIVE) --max-age $(or $(MAX_AGE),30m)

check-deploy: venv build ## Validate deploy/ (kustomize base, alert rules) against the Kubernetes schemas and the binary's flags
	$(WITH_VENV) GOLDMANE_TRAIL_BIN=$(BIN_DEBUG) $(PYTHON) -m pytest -q Tests/python/test_operations.py -k "manifest or cronjob or overlay or mounts or command_line or alert_rules_cover"

migrate: release ## Create or update the schema (every database job also does this)
	$(BIN_RELEASE) migrate

samples: build ## Regenerate samples/ (segments and the golden edge batch): on purpose only
	rm -rf $(SAMPLES_ARCHIVE)
	$(BIN_DEBUG) samples --out $(SAMPLES_ARCHIVE) $(SAMPLES_FLAGS)
	$(MAKE) golden-batch

golden-batch: build ## Re-record samples/golden-batch.jsonl from samples/archive: on purpose only
	$(BIN_DEBUG) transform $(SAMPLES_ARCHIVE) -o $(GOLDEN_BATCH)

golden-reports: venv build ## Re-record Tests/Fixtures/golden (digest, egress report, map) from the samples: on purpose only
	-$(WITH_VENV) GOLDMANE_TRAIL_BIN=$(BIN_DEBUG) GOLDMANE_TRAIL_RECORD_GOLDEN=1 scripts/with-postgres.sh $(PYTHON) -m pytest -q Tests/python/test_reports.py -k golden
	git diff --stat Tests/Fixtures/golden

proto: packages ## Regenerate Sources/GoldmaneAPI/Generated from proto/goldmane.proto (needs protoc)
	$(SWIFT) package resolve
	$(SWIFT) build -c release --package-path .build/checkouts/swift-protobuf --scratch-path .build-plugins --product protoc-gen-swift
	protoc --plugin=protoc-gen-swift=.build-plugins/release/protoc-gen-swift \
		--swift_opt=Visibility=Package --swift_out=Sources/GoldmaneAPI/Generated -I proto proto/goldmane.proto

bench: venv release ## Benchmarks (release build): the performance goals' table (transform, etl, replay); transform vs `zstd -dc`; load, etl vs row-by-row upserts; replay; reports and peak RSS; policy-check vs transform; capture; etl and transform from an S3 bucket vs a directory
	$(WITH_VENV) scripts/with-postgres.sh $(PYTHON) bench/goals.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) $(PYTHON) bench/run.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) scripts/with-postgres.sh $(PYTHON) bench/load_bench.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) scripts/with-postgres.sh $(PYTHON) bench/etl_io.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) scripts/with-postgres.sh $(PYTHON) bench/policy_bench.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) scripts/with-postgres.sh $(PYTHON) bench/history_bench.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) $(PYTHON) bench/capture_bench.py --bin $(BIN_RELEASE) --work $(OUT)/bench
	$(WITH_VENV) scripts/with-postgres.sh scripts/with-rgw.sh $(PYTHON) bench/s3_bench.py --bin $(BIN_RELEASE) --work $(OUT)/bench

clean: ## Remove build products and demo output (not .venv/: `rm -rf .venv` for that)
	rm -rf .build .build-plugins .build-asan .build-fuzz $(OUT)
