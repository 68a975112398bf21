#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make test` (and CI): tools, lint, then the whole test suite against real
# local services:
#   1. scripts/tools.sh (in the background when cargo has rustfmt and clippy),
#      while scripts/lint.sh's fmt check and links test run (the links test
#      builds the integration tests); then its cfn-lint and shellcheck steps
#   2. DynamoDB Local on TEST_DDB_PORT (default 8100, or a free port), its
#      tables created (examples/local_dynamodb.rs, with test-support's starter)
#   3. test binaries built (cargo test --workspace --locked --no-run: the function's
#      one integration-test binary tests/it, test-support's tests, e.g. the Runtime
#      API emulator against lambda_runtime, and the bench's crates); every
#      cargo build of this script has the same features, so none rebuilds a crate
#   4. the function's binary from that build, served on TEST_PORT (default
#      9100, or a free port) behind cargo lambda watch's front door
#      (--only-lambda-apis: it builds nothing), waited for until OPTIONS
#      /api/v1/sessions answers 204; it takes API_TEST_WORKERS invocations at
#      once (AWS_LAMBDA_MAX_CONCURRENCY, as on Managed Instances)
#   5. cargo test --workspace --locked --no-fail-fast [ARGS...] with AWS_REGION, AWS_ACCESS_KEY_ID,
#      AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB, TABLE_NAME,
#      MEDIA_COLLECTOR_URL, CHROMIUM and FIREFOX (the browser test's browsers) set
#   6. the api test (what make api-test runs): schemathesis checks the same
#      running function against openapi.yaml (lib.sh's run_api_test); beside
#      it, in the background, lint's clippy step (-D warnings), whose failure
#      fails make test too (make lint runs it first, for a quicker answer)
# Whatever happens, the services are stopped on exit; the exit status is the
# tests' (or the first failing step's). Service logs: target/test-services/*.log,
# their tails printed on failure; cargo test's output: target/test-services/cargo-test.log;
# the api test's JUnit report: target/test-services/api-test/junit.xml.
#
# Usage: scripts/test.sh [cargo test args...]   e.g. scripts/test.sh --test it session_metrics -- --nocapture
# (the function's integration tests are one binary, `it`, whose tests are named
# module::test, e.g. session_metrics::worked_example_1_adobe_timeline_1_call_by_call)
# Environment: TEST_DDB_PORT, TEST_PORT (a set port must be free), TABLE_NAME,
#   WATCH_READY_TIMEOUT (seconds, default 120), SKIP_LINT=1 (skip step 1's lint),
#   API_TEST_SEED, API_TEST_MAX_EXAMPLES (step 6; see lib.sh's run_api_test).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

LOG_DIR=$MC_ROOT/target/test-services
mkdir -p -- "$LOG_DIR"
install_cleanup_trap show-logs-on-failure

# The tools install (mostly downloads) while the Rust lint steps compile;
# the steps that need the tools wait for it. Only when cargo has rustfmt and
# clippy already: else tools.sh adds them first.
tools_pid=
if cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1; then
  log "scripts/tools.sh in the background, while cargo checks (its output: ${LOG_DIR#"$MC_ROOT"/}/tools.log)"
  start_service tools "$LOG_DIR/tools.log" "$MC_ROOT" "$MC_ROOT/scripts/tools.sh"
  tools_pid=$SVC_PID
else
  "$MC_ROOT/scripts/tools.sh"
fi
wait_for_tools() {
  [[ -n $tools_pid ]] || return 0
  local status=0
  wait "$tools_pid" || status=$?
  cat -- "$LOG_DIR/tools.log" >&2
  ((status == 0)) || die "scripts/tools.sh failed (status $status; its output is above)"
}

if [[ ${SKIP_LINT:-} == 1 ]]; then
  warn "SKIP_LINT=1: skipping scripts/lint.sh (fmt check, clippy, links, cfn-lint, shellcheck)"
  wait_for_tools
else
  # clippy runs later, beside the api test (step 6).
  "$MC_ROOT/scripts/lint.sh" fmt links
  wait_for_tools
  "$MC_ROOT/scripts/lint.sh" cfn-lint shellcheck
fi

# The browser test (tests/it/browser.rs) starts this Chromium and this Firefox.
CHROMIUM=$(chromium_bin) || die "no Chromium found: run 'make tools' (it installs Debian's $CHROMIUM_APT_PACKAGE) or set CHROMIUM"
export CHROMIUM
FIREFOX=$(firefox_bin) || die "no Firefox found: run 'make tools' (it installs Debian's $FIREFOX_APT_PACKAGE) or set FIREFOX"
export FIREFOX

TEST_DDB_PORT=${TEST_DDB_PORT:-}
TEST_PORT=${TEST_PORT:-}
choose_port TEST_DDB_PORT 8100 fallback
start_test_dynamodb "$TEST_DDB_PORT" "$LOG_DIR"

log "cargo test --workspace --locked --no-run"
function_bin=$(built_executable media-collector bin test --workspace --locked --no-run)

choose_port TEST_PORT 9100 fallback
start_test_function "$TEST_PORT" "$LOG_DIR" "$function_bin"

export MEDIA_COLLECTOR_URL="http://127.0.0.1:$TEST_PORT"
log "cargo test --workspace --locked --no-fail-fast $* (MEDIA_COLLECTOR_URL=$MEDIA_COLLECTOR_URL AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB TABLE_NAME=$TABLE_NAME EVENTS_TABLE_NAME=$EVENTS_TABLE_NAME CHROMIUM=$CHROMIUM FIREFOX=$FIREFOX)"
status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$LOG_DIR/cargo-test.log" || status=${PIPESTATUS[0]}

# The api test mostly waits on DynamoDB Local, which answers one call at a
# time: clippy's own build (check mode, which no test build reuses) takes
# the CPU it leaves, at a lower priority.
clippy_pid=
if [[ ${SKIP_LINT:-} != 1 ]]; then
  log "cargo clippy (scripts/lint.sh clippy) in the background, beside the api test (its output: ${LOG_DIR#"$MC_ROOT"/}/clippy.log)"
  start_service clippy "$LOG_DIR/clippy.log" "$MC_ROOT" nice -n 10 "$MC_ROOT/scripts/lint.sh" clippy
  clippy_pid=$SVC_PID
fi

api_status=0
run_api_test "$MEDIA_COLLECTOR_URL" "$LOG_DIR/api-test" || api_status=$?

clippy_status=0
if [[ -n $clippy_pid ]]; then
  wait "$clippy_pid" || clippy_status=$?
  cat -- "$LOG_DIR/clippy.log" >&2
fi

# One closing line for all the test binaries (cargo's last "test result" line
# is the doc-tests', often "0 passed").
awk '/^test result: / {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) passed += $i
      if ($(i + 1) ~ /^failed/) failed += $i
      if ($(i + 1) ~ /^ignored/) ignored += $i
    }
    seen = 1
  }
  END { if (seen) printf "summary: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' \
  "$LOG_DIR/cargo-test.log"
if ((api_status == 0)); then
  echo "api test (schemathesis, openapi.yaml): passed"
else
  echo "api test (schemathesis, openapi.yaml): FAILED (status $api_status; the failures are printed above)"
fi
if ((status != 0)); then
  printf 'error: cargo test failed (status %s)\n' "$status" >&2
  exit "$status"
fi
if ((api_status != 0)); then
  printf 'error: the api test failed (status %s)\n' "$api_status" >&2
  exit "$api_status"
fi
if ((clippy_status != 0)); then
  printf 'error: clippy failed (status %s; its output is above)\n' "$clippy_status" >&2
  exit "$clippy_status"
fi
log "tests passed"
