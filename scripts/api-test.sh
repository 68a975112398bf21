#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make api-test`: openapi.yaml against the running function, with schemathesis.
#   1. scripts/tools.sh
#   2. DynamoDB Local on TEST_DDB_PORT (default 8100, or a free port), table created
#   3. the function built (cargo build --bin media-collector) and served on
#      TEST_PORT (default 9100, or a free port) behind cargo lambda watch's
#      front door (lib.sh's start_test_function), waited for
#   4. schemathesis: every check, on every operation of openapi.yaml, each
#      event on a fresh session started just before it (lib.sh's run_api_test;
#      tests/api/hooks.py says what it does not report, and why); fails too
#      if an operation was not tested
# `make test` runs step 4 too, against its own services. Whatever happens, the
# services are stopped on exit. Logs: target/api-test/*.log (tails printed on
# failure); schemathesis's JUnit report: target/api-test/schemathesis/junit.xml.
#
# To check a function that is already running (make run, or a deployed API):
#   API_URL=http://127.0.0.1:9000 scripts/api-test.sh
# Environment: API_URL, TEST_DDB_PORT, TEST_PORT, TABLE_NAME, WATCH_READY_TIMEOUT,
#   API_TEST_SEED, API_TEST_MAX_EXAMPLES.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

"$MC_ROOT/scripts/tools.sh"

LOG_DIR=$MC_ROOT/target/api-test
mkdir -p -- "$LOG_DIR"

if [[ -n ${API_URL:-} ]]; then
  run_api_test "${API_URL%/}" "$LOG_DIR/schemathesis"
  exit
fi

install_cleanup_trap show-logs-on-failure
TEST_DDB_PORT=${TEST_DDB_PORT:-}
TEST_PORT=${TEST_PORT:-}
choose_port TEST_DDB_PORT 8100 fallback
choose_port TEST_PORT 9100 fallback
start_test_dynamodb "$TEST_DDB_PORT" "$LOG_DIR"
log "cargo build --locked --bin media-collector"
function_bin=$(built_executable media-collector bin build --locked --bin media-collector)
start_test_function "$TEST_PORT" "$LOG_DIR" "$function_bin"
run_api_test "http://127.0.0.1:$TEST_PORT" "$LOG_DIR/schemathesis"
log "api test passed"
