#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make test` (and CI): tools, lint, then the whole test suite against real
# local services:
#   1. scripts/tools.sh, scripts/lint.sh (fmt check, clippy -D warnings, links, cfn-lint, shellcheck)
#   2. DynamoDB Local on TEST_DDB_PORT (default 8100, or a free port), both tables
#      created (examples/local_dynamodb.rs, with test-support's starter)
#   3. test binaries built (cargo test --workspace --locked --no-run: the function's
#      one integration-test binary tests/it, test-support's tests, e.g. the Runtime
#      API emulator against lambda_runtime, and the bench's crates)
#   4. cargo lambda watch on TEST_PORT (default 9100, or a free port), waited
#      for until OPTIONS /api/v1/sessions answers 204 (fails at once if the
#      function does not compile or exits)
#   5. cargo test --workspace --locked --no-fail-fast [ARGS...] with AWS_REGION, AWS_ACCESS_KEY_ID,
#      AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB, TABLE_NAME,
#      MEDIA_COLLECTOR_URL, CHROMIUM and FIREFOX (the browser test's browsers) set
#   6. the api test (what make api-test runs): schemathesis checks the same
#      running function against openapi.yaml (lib.sh's run_api_test)
# Whatever happens, the services are stopped on exit; the exit status is the
# tests' (or the first failing step's). Service logs: target/test-services/*.log,
# their tails printed on failure; cargo test's output: target/test-services/cargo-test.log;
# the api test's JUnit report: target/test-services/api-test/junit.xml.
#
# Usage: scripts/test.sh [cargo test args...]   e.g. scripts/test.sh --test it session_metrics -- --nocapture
# (the function's integration tests are one binary, `it`, whose tests are named
# module::test, e.g. session_metrics::worked_example_1_adobe_timeline_1_call_by_call)
# Environment: TEST_DDB_PORT, TEST_PORT (a set port must be free), TABLE_NAME,
#   WATCH_READY_TIMEOUT (seconds, default 600), SKIP_LINT=1 (skip step 1's lint),
#   API_TEST_SEED, API_TEST_MAX_EXAMPLES (step 6; see lib.sh's run_api_test).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

"$MC_ROOT/scripts/tools.sh"
# The browser test (tests/it/browser.rs) starts this Chromium and this Firefox.
CHROMIUM=$(chromium_bin) || die "no Chromium found: run 'make tools' (it installs Debian's $CHROMIUM_APT_PACKAGE) or set CHROMIUM"
export CHROMIUM
FIREFOX=$(firefox_bin) || die "no Firefox found: run 'make tools' (it installs Debian's $FIREFOX_APT_PACKAGE) or set FIREFOX"
export FIREFOX

if [[ ${SKIP_LINT:-} == 1 ]]; then
  warn "SKIP_LINT=1: skipping scripts/lint.sh (fmt check, clippy, links, cfn-lint, shellcheck)"
else
  "$MC_ROOT/scripts/lint.sh"
fi

LOG_DIR=$MC_ROOT/target/test-services
mkdir -p -- "$LOG_DIR"
install_cleanup_trap show-logs-on-failure

TEST_DDB_PORT=${TEST_DDB_PORT:-}
TEST_PORT=${TEST_PORT:-}
choose_port TEST_DDB_PORT 8100 fallback
start_test_dynamodb "$TEST_DDB_PORT" "$LOG_DIR"

log "cargo test --workspace --locked --no-run"
cargo test --workspace --locked --no-run

choose_port TEST_PORT 9100 fallback
start_test_function "$TEST_PORT" "$LOG_DIR"

export MEDIA_COLLECTOR_URL="http://127.0.0.1:$TEST_PORT"
log "cargo test --workspace --locked --no-fail-fast $* (MEDIA_COLLECTOR_URL=$MEDIA_COLLECTOR_URL AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB TABLE_NAME=$TABLE_NAME EVENTS_TABLE_NAME=$EVENTS_TABLE_NAME CHROMIUM=$CHROMIUM FIREFOX=$FIREFOX)"
status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$LOG_DIR/cargo-test.log" || status=${PIPESTATUS[0]}

api_status=0
run_api_test "$MEDIA_COLLECTOR_URL" "$LOG_DIR/api-test" || api_status=$?

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
log "tests passed"
