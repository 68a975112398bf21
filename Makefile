# media-collector: developer and CI entry points. `make help` lists them.
#
# Tool versions are pinned in scripts/versions.sh; tools install into .tools/
# (override with TOOLS_DIR=...). Everything local talks to DynamoDB Local with
# AWS_REGION=us-east-1 and the fake credentials local/local.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Extra arguments for `cargo test`, e.g. make test ARGS='--test it session_metrics -- --nocapture'
# (the integration tests are one binary, `it`; its tests are named module::test)
ARGS ?=
# Extra arguments for the bench's runner, e.g. make bench BENCH_ARGS='--also before=PATH'
BENCH_ARGS ?=

.PHONY: help tools run demo replay test api-test lint fmt shellcheck build sam-build deploy bench

help: ## list the targets and the variables they read
	@echo 'usage: make <target> [VAR=value ...]'
	@echo
	@echo 'targets:'
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo 'variables (all optional):'
	@echo '  TOOLS_DIR              where tools are installed (default .tools)'
	@echo '  TABLE_NAME             local DynamoDB table (default media-collector-sessions-local)'
	@echo '  EVENTS_TABLE_NAME      local DynamoDB table of events (default media-collector-events-local)'
	@echo '  REJECTED_TABLE_NAME    local DynamoDB table of refused calls (default media-collector-rejected-local)'
	@echo '  MAX_BODY_BYTES, SESSION_*_S, ...  run: the function settings passed on to it when set'
	@echo '  PORT                   run, demo: port of the function (default 9000)'
	@echo '  DDB_PORT               run, demo: port of DynamoDB Local (default 8000)'
	@echo '  TEST_PORT              test, api-test: port of the function (default 9100, or any free port)'
	@echo '  TEST_DDB_PORT          test, api-test: port of DynamoDB Local (default 8100, or any free port)'
	@echo '  ARGS                   test: extra cargo test arguments, e.g. ARGS="--test it session_metrics -- --nocapture"'
	@echo '  API_URL                api-test: test this running function instead of starting one; demo: the function (default http://127.0.0.1:PORT)'
	@echo '  API_TEST_SEED          test, api-test: schemathesis seed (default fixed; "random" for a new one)'
	@echo '  API_TEST_MAX_EXAMPLES  test, api-test: cases per operation and phase (default 300)'
	@echo '  BENCH_QUICK            bench: 1 for a quick run with smaller counts'
	@echo '  BENCH_COLD_STARTS, BENCH_WARMUP, BENCH_WARM_REQUESTS, BENCH_THROUGHPUT_SECS, BENCH_THROUGHPUT_MAX'
	@echo '                         bench: scenario sizes (default 7, 20, 300, 2, 2000); BENCH_NO_BUILD=1 skips cargo build'
	@echo '  BENCH_LOAD_STEP_SECS   bench: seconds per step of the load test (default 3; quick 1.5)'
	@echo '  BENCH_LOAD=0, BENCH_LOAD_ONLY=1  bench: skip the load test, or run only it'
	@echo '  BENCH_ARGS             bench: runner options, e.g. BENCH_ARGS="--also before=PATH" (a previous build beside it)'

tools: ## install the pinned local tools (cargo-lambda, DynamoDB Local, Java, ...) into .tools/
	@scripts/tools.sh

run: ## run the function on :9000 (cargo lambda watch) against DynamoDB Local on :8000; Ctrl-C stops both
	@scripts/run.sh

demo: ## play a whole session against the function of `make run` and show what DynamoDB stored (API_URL=... for another)
	@cargo run --quiet --example demo

replay: ## media-collector-replay against `make run`'s tables, e.g. make replay ARGS='--since 2026-12-05T00:00:00Z --dry-run'
	@source scripts/lib.sh && local_aws_env "$${DDB_PORT:-8000}" && \
	  cargo run --quiet --bin media-collector-replay -- $(ARGS)

test: ## lint, cargo test and the api test against DynamoDB Local and cargo lambda watch (what CI runs)
	@scripts/test.sh $(ARGS)

api-test: ## schemathesis: the running function against openapi.yaml (API_URL=... to test one already running)
	@scripts/api-test.sh

lint: ## cargo fmt --check, clippy -D warnings, the docs' links (tests/it/links.rs), cfn-lint template.yaml, shellcheck
	@scripts/lint.sh

fmt: ## format the Rust code
	cargo fmt --all

shellcheck: tools ## lint scripts/*.sh and .ci/run with shellcheck (a step of make lint)
	@scripts/lint.sh shellcheck

build: ## the deployable arm64 zip, target/lambda/media-collector/bootstrap.zip (fails over 2 MiB)
	@scripts/build.sh

sam-build: ## sam build --beta-features only, into .aws-sam/build (no AWS account needed)
	@scripts/deploy.sh --build-only

deploy: ## sam build && sam deploy --guided (needs AWS credentials; installs the SAM CLI if missing)
	@scripts/deploy.sh

bench: build ## media-collector vs the bare and naive baselines (starts and events), units and cost per viewer-hour, a load test: tables also in target/bench/latest.md
	@# The runner (and so the baselines it builds) keeps opt-level "s": only
	@# media-collector's own build follows Cargo.toml's release profile ("z").
	@CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo run --release --locked -p media-collector-bench -- $(BENCH_ARGS)

