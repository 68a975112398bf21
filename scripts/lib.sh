# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Sourced, never run on its own.
#
# Environment it reads (all optional):
#   TOOLS_DIR   where the project's tools live (default: <repo>/.tools)
#   TABLE_NAME  DynamoDB table used locally (default: media-collector-sessions-local)
#   EVENTS_TABLE_NAME  DynamoDB table of events used locally (default: media-collector-events-local)
#   REJECTED_TABLE_NAME DynamoDB table of refused calls used locally (default: media-collector-rejected-local)

# shellcheck source=versions.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/versions.sh"

MC_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
TOOLS_DIR=${TOOLS_DIR:-$MC_ROOT/.tools}
case $TOOLS_DIR in
  /*) ;;
  *) TOOLS_DIR=$MC_ROOT/$TOOLS_DIR ;;
esac
VENV_DIR=$TOOLS_DIR/venv
export TOOLS_DIR
# cargo finds `cargo-lambda` (and cargo lambda finds zig) on PATH.
export PATH="$VENV_DIR/bin:$PATH"

TABLE_NAME=${TABLE_NAME:-media-collector-sessions-local}
EVENTS_TABLE_NAME=${EVENTS_TABLE_NAME:-media-collector-events-local}
REJECTED_TABLE_NAME=${REJECTED_TABLE_NAME:-media-collector-rejected-local}
export TABLE_NAME EVENTS_TABLE_NAME REJECTED_TABLE_NAME

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Dies unless the command $1, which scripts/tools.sh installs into the venv as
# the pip requirement $2, is on PATH.
need_venv_tool() { # command requirement
  command -v "$1" >/dev/null 2>&1 ||
    die "$1 is not installed: run 'make tools' (it installs $2 into ${VENV_DIR#"$MC_ROOT"/})"
}

# Prints the last lines of a log file, indented, to stderr.
show_log_tail() { # file [lines]
  local file=$1 lines=${2:-40}
  if [[ -s $file ]]; then
    printf -- '--- last %s lines of %s ---\n' "$lines" "$file" >&2
    tail -n "$lines" -- "$file" | sed 's/^/  | /' >&2
    printf -- '--- end of %s ---\n' "$file" >&2
  else
    printf -- '--- %s is empty or missing ---\n' "$file" >&2
  fi
}

# ---------------------------------------------------------------------------
# Local AWS environment (DynamoDB Local, fake credentials).

# Exports the environment every local process (cargo test, the function under
# cargo lambda watch, make demo) uses to reach DynamoDB Local.
local_aws_env() { # ddb_port
  export AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local
  export AWS_SECRET_ACCESS_KEY=local
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
  # A developer's own AWS settings must not leak into local runs.
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
}

# ---------------------------------------------------------------------------
# Ports.

# Succeeds when nothing listens on TCP port $1 (any address, IPv4 or IPv6).
port_is_free() { # port
  python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        continue  # no IPv6 here
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
}

# Prints a TCP port the OS says is free on 127.0.0.1.
ephemeral_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# choose_port VAR DEFAULT [fallback]
# Sets VAR to the port to use. If VAR is already set in the environment, that
# port must be free (else die). Otherwise DEFAULT is used when free; when it is
# busy and the third argument is "fallback", a free port from the OS is used
# instead, else die.
choose_port() {
  local var=$1 default=$2 mode=${3:-}
  local port=${!var:-}
  if [[ -n $port ]]; then
    [[ $port =~ ^[0-9]+$ ]] || die "$var=$port is not a port number"
    port_is_free "$port" || die "port $port ($var) is already in use; stop what uses it or set $var to another port"
  else
    port=$default
    if ! port_is_free "$port"; then
      [[ $mode == fallback ]] || die "port $port is already in use; stop what uses it or set $var to another port (e.g. make run $var=$((default + 1)))"
      port=$(ephemeral_port)
      log "port $default is busy; using free port $port for $var"
    fi
  fi
  printf -v "$var" '%s' "$port"
}

# ---------------------------------------------------------------------------
# Background services.
#
# Each service runs in its own session (setsid), so a Ctrl-C at the terminal
# does not reach it and stop_services can find and stop every process it
# started (the session's members and the leader's descendants).

SVC_NAMES=()
SVC_PIDS=()
SVC_LOGS=()

# start_service NAME LOG DIR CMD...   (LOG "-" keeps the caller's stdout/stderr)
# Starts CMD in DIR in a new session; sets SVC_PID to its pid.
start_service() {
  local name=$1 logfile=$2 dir=$3
  shift 3
  if [[ $logfile == - ]]; then
    (cd -- "$dir" && exec setsid "$@") </dev/null &
  else
    : >"$logfile"
    (cd -- "$dir" && exec setsid "$@") </dev/null >>"$logfile" 2>&1 &
  fi
  SVC_PID=$!
  SVC_NAMES+=("$name")
  SVC_PIDS+=("$SVC_PID")
  SVC_LOGS+=("$logfile")
}

# Succeeds while process $1 exists and is not a zombie.
is_running() { # pid
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $stat && $stat != Z* ]]
}

# Prints the live pids belonging to the service led by $1: the members of its
# session and every descendant of it (in case one started its own session).
service_pids() { # leader_pid
  ps -eo pid=,ppid=,sid=,stat= | awk -v leader="$1" '
    { pid[NR] = $1; ppid[NR] = $2; sid[NR] = $3; stat[NR] = $4 }
    END {
      keep[leader] = 1
      for (i = 1; i <= NR; i++) if (sid[i] == leader) keep[pid[i]] = 1
      do {
        changed = 0
        for (i = 1; i <= NR; i++)
          if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; changed = 1 }
      } while (changed)
      for (i = 1; i <= NR; i++)
        if ((pid[i] in keep) && stat[i] !~ /^Z/) print pid[i]
    }'
}

# Stops one service: SIGTERM to all its processes, up to 10 s grace, then SIGKILL.
stop_service() { # name pid
  local name=$1 pid=$2 pids i
  pids=$(service_pids "$pid")
  if [[ -n $pids ]]; then
    # shellcheck disable=SC2086 # word splitting wanted: a list of pids
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      pids=$(service_pids "$pid")
      [[ -z $pids ]] && break
      sleep 0.1
    done
    if [[ -n $pids ]]; then
      warn "$name did not stop on SIGTERM; killing pids $(tr '\n' ' ' <<<"$pids")"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 0.2
    fi
  fi
  wait "$pid" 2>/dev/null || true # reap our child
}

# Stops every started service, newest first. Safe to call more than once.
stop_services() {
  local i
  for ((i = ${#SVC_PIDS[@]} - 1; i >= 0; i--)); do
    log "stopping ${SVC_NAMES[i]} (pid ${SVC_PIDS[i]})"
    stop_service "${SVC_NAMES[i]}" "${SVC_PIDS[i]}"
  done
  SVC_NAMES=()
  SVC_PIDS=()
  SVC_LOGS=()
}

show_service_logs() {
  local i
  for ((i = 0; i < ${#SVC_LOGS[@]}; i++)); do
    [[ ${SVC_LOGS[i]} == - ]] || show_log_tail "${SVC_LOGS[i]}" 60
  done
}

# install_cleanup_trap [show-logs-on-failure]
# On any exit (normal, error, Ctrl-C, SIGTERM, SIGHUP) stop the services; keep
# the exit status. With "show-logs-on-failure", print the service logs first
# when the status is not 0.
CLEANUP_SHOW_LOGS=
install_cleanup_trap() {
  CLEANUP_SHOW_LOGS=${1:-}
  trap _cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}
_cleanup() {
  local rc=$?
  trap '' INT TERM HUP # let nothing interrupt the cleanup
  set +e
  if [[ $rc -ne 0 && $rc -ne 130 && -n $CLEANUP_SHOW_LOGS ]]; then
    show_service_logs
  fi
  stop_services
  exit "$rc"
}

# When set, wait_http fails at once if the service's log matches it.
WAIT_FAIL_REGEX=

# wait_http NAME PID URL WANT_REGEX TIMEOUT_S [curl args...]
# Polls URL every second until the HTTP status matches WANT_REGEX; the curl
# args may add e.g. -X OPTIONS, or --max-time N to replace the 5 s per probe.
# Fails if the service dies or TIMEOUT_S passes (0: no limit), printing the
# service's log tail unless the cleanup trap will print all the logs.
wait_http() {
  local name=$1 pid=$2 url=$3 want=$4 timeout=$5
  shift 5
  local start=$SECONDS code logfile=-
  local i
  for ((i = 0; i < ${#SVC_PIDS[@]}; i++)); do
    [[ ${SVC_PIDS[i]} == "$pid" ]] && logfile=${SVC_LOGS[i]}
  done
  while :; do
    if [[ -n $WAIT_FAIL_REGEX && $logfile != - ]] && grep -qE -- "$WAIT_FAIL_REGEX" "$logfile"; then
      printf 'error: %s cannot answer on %s: its log says\n' "$name" "$url" >&2
      grep -E -m3 -- "$WAIT_FAIL_REGEX" "$logfile" | sed 's/^/  | /' >&2
      [[ -n $CLEANUP_SHOW_LOGS ]] || show_log_tail "$logfile" 60
      return 1
    fi
    if ! is_running "$pid"; then
      local status=0
      wait "$pid" 2>/dev/null || status=$?
      printf 'error: %s exited (status %s) before answering on %s\n' "$name" "$status" "$url" >&2
      [[ $logfile == - || -n $CLEANUP_SHOW_LOGS ]] || show_log_tail "$logfile" 60
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true)
    if [[ $code =~ $want ]]; then
      log "$name is ready on $url (after $((SECONDS - start)) s)"
      return 0
    fi
    if ((timeout > 0 && SECONDS - start >= timeout)); then
      printf 'error: %s did not answer %s on %s within %s s (last status: %s)\n' \
        "$name" "$want" "$url" "$timeout" "${code:-none}" >&2
      [[ $logfile == - || -n $CLEANUP_SHOW_LOGS ]] || show_log_tail "$logfile" 60
      return 1
    fi
    sleep 1
  done
}

# wait_line NAME PID REGEX TIMEOUT_S
# Waits until a line of the service's log matches REGEX. Fails if the service
# exits or TIMEOUT_S passes, printing its log tail unless the cleanup trap
# will print all the logs.
wait_line() {
  local name=$1 pid=$2 want=$3 timeout=$4
  local start=$SECONDS logfile=- i
  for ((i = 0; i < ${#SVC_PIDS[@]}; i++)); do
    [[ ${SVC_PIDS[i]} == "$pid" ]] && logfile=${SVC_LOGS[i]}
  done
  [[ $logfile != - ]] || die "wait_line: $name has no log file to read"
  while ! grep -qE -- "$want" "$logfile"; do
    if ! is_running "$pid"; then
      local status=0
      wait "$pid" 2>/dev/null || status=$?
      printf 'error: %s exited (status %s) before it was ready\n' "$name" "$status" >&2
      [[ -n $CLEANUP_SHOW_LOGS ]] || show_log_tail "$logfile" 60
      return 1
    fi
    if ((SECONDS - start >= timeout)); then
      printf 'error: %s was not ready within %s s\n' "$name" "$timeout" >&2
      [[ -n $CLEANUP_SHOW_LOGS ]] || show_log_tail "$logfile" 60
      return 1
    fi
    sleep 0.2
  done
  log "$name is ready (after $((SECONDS - start)) s)"
}

# ---------------------------------------------------------------------------
# Tools.

# Prints the path of a Chromium for the browser test: $CHROMIUM if set (it
# must then be executable), else `chromium` or `chromium-browser` on PATH.
# Fails when there is none.
chromium_bin() {
  local candidate
  if [[ -n ${CHROMIUM:-} ]]; then
    [[ -f $CHROMIUM && -x $CHROMIUM ]] || return 1
    printf '%s\n' "$CHROMIUM"
    return 0
  fi
  for candidate in chromium chromium-browser; do
    candidate=$(command -v "$candidate") || continue
    printf '%s\n' "$candidate"
    return 0
  done
  return 1
}

# Prints the path of a Firefox for the browser test: $FIREFOX if set (it must
# then be executable), else `firefox-esr` or `firefox` on PATH. Fails when
# there is none.
firefox_bin() {
  local candidate
  if [[ -n ${FIREFOX:-} ]]; then
    [[ -f $FIREFOX && -x $FIREFOX ]] || return 1
    printf '%s\n' "$FIREFOX"
    return 0
  fi
  for candidate in firefox-esr firefox; do
    candidate=$(command -v "$candidate") || continue
    printf '%s\n' "$candidate"
    return 0
  done
  return 1
}

# ---------------------------------------------------------------------------
# DynamoDB Local and the function.

# start_dynamodb_local PORT LOG_DIR [extra cargo args...]
# Starts DynamoDB Local (in memory) on PORT with TABLE_NAME and
# EVENTS_TABLE_NAME created, and waits until it says so: the Rust entry
# point examples/local_dynamodb.rs does it all (Java and the jar found in
# TOOLS_DIR, the tables made by the function's own schema; see
# test-support/src/dynamodb_local.rs). Its log: LOG_DIR/dynamodb-local.log;
# DynamoDB Local's own output: LOG_DIR/dynamodb-local-java.log. Sets SVC_PID.
start_dynamodb_local() {
  local port=$1 log_dir=$2 example
  shift 2
  # With the whole workspace's features, as `cargo test --workspace` builds
  # them: the test build that follows reuses every crate built here.
  log "building examples/local_dynamodb.rs (cargo build --workspace --example local_dynamodb)"
  example=$(built_executable local_dynamodb example build --quiet --workspace "$@" --example local_dynamodb)
  log "starting DynamoDB Local on 127.0.0.1:$port, tables $TABLE_NAME, $EVENTS_TABLE_NAME and $REJECTED_TABLE_NAME (log: ${log_dir#"$MC_ROOT"/}/dynamodb-local.log)"
  start_service dynamodb-local "$log_dir/dynamodb-local.log" "$MC_ROOT" \
    "$example" "$port" "$log_dir/dynamodb-local-java.log"
  wait_line dynamodb-local "$SVC_PID" '^ready http' 120
}

# start_watch PORT LOGFILE [extra cargo lambda watch args...]
# Starts `cargo lambda watch` serving the function on 127.0.0.1:PORT with the
# local AWS environment (call local_aws_env first). Sets SVC_PID.
# --package: the workspace has other binaries (bench/); with more than one
# function, watch would answer only /lambda-url/<name>/..., not every path.
# The function's optional settings, passed on when set (e.g. make run
# MAX_BODY_BYTES=300), by start_watch and start_test_function.
FUNCTION_SETTINGS=(MAX_BODY_BYTES SESSION_TTL_DAYS SESSION_IDLE_TIMEOUT_S SESSION_MAX_AGE_S
  SESSION_STALL_TIMEOUT_S STORE_TIMEOUT_MS CORS_ALLOW_ORIGIN REJECTED_TTL_DAYS
  MAX_DOWNLOADED_BODY_BYTES MAX_DOWNLOADED_CALLS)

start_watch() {
  local port=$1 logfile=$2 setting settings=()
  shift 2
  need_venv_tool cargo-lambda "cargo-lambda==$CARGO_LAMBDA_VERSION"
  for setting in "${FUNCTION_SETTINGS[@]}"; do
    [[ -n ${!setting:-} ]] && settings+=(--env-var "$setting=${!setting}")
  done
  start_service cargo-lambda-watch "$logfile" "$MC_ROOT" \
    cargo lambda watch --package media-collector --bin media-collector --disable-cors \
    --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-var "TABLE_NAME=$TABLE_NAME" \
    --env-var "EVENTS_TABLE_NAME=$EVENTS_TABLE_NAME" \
    --env-var "REJECTED_TABLE_NAME=$REJECTED_TABLE_NAME" \
    --env-var "AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB" \
    --env-var "AWS_REGION=$AWS_REGION" \
    --env-var "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID" \
    --env-var "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY" \
    "${settings[@]}" "$@"
}

# The readiness probe of the function: the CORS preflight answers 204.
# While the function compiles, cargo lambda watch holds requests until it is
# up (forever if it does not compile), so each probe may wait a while: fewer
# stale probes pile up in its queue.
# shellcheck disable=SC2034 # used by run.sh and start_test_function
WATCH_READY_PATH=/api/v1/sessions
# shellcheck disable=SC2034
WATCH_PROBE=(-X OPTIONS --max-time 15)

# ---------------------------------------------------------------------------
# The API test: openapi.yaml against the running function.

# run_api_test BASE_URL WORK_DIR
# Runs schemathesis with every check on openapi.yaml's operations against
# BASE_URL (e.g. http://127.0.0.1:9100): the examples, coverage, fuzzing and
# stateful phases, API_TEST_MAX_EXAMPLES cases per operation and phase
# (default 300) from seed API_TEST_SEED (default fixed, so a run can be
# repeated; set API_TEST_SEED=random for a fresh one), API_TEST_WORKERS
# cases at once (default 4: the function mostly waits on DynamoDB Local). tests/api/hooks.py
# drops the reports that are not contradictions, and gives each event a live
# session of its own, started on BASE_URL (it says which and why).
# Schemathesis's own state and its JUnit report go to WORK_DIR. Fails when it
# finds anything, or when an operation of openapi.yaml was not tested.
run_api_test() {
  local url=$1 work_dir=$2
  local seed=${API_TEST_SEED:-20261123} max_examples=${API_TEST_MAX_EXAMPLES:-300} workers=${API_TEST_WORKERS:-4}
  local seed_args=(--seed "$seed")
  [[ $seed == random ]] && seed_args=()
  need_venv_tool schemathesis "schemathesis==$SCHEMATHESIS_VERSION"
  mkdir -p -- "$work_dir"
  rm -f -- "$work_dir/junit.xml"
  log "schemathesis run openapi.yaml --url $url (checks: all; max examples: $max_examples; seed: $seed; workers: $workers; report: ${work_dir#"$MC_ROOT"/}/junit.xml)"
  local status=0
  (cd -- "$work_dir" &&
    SCHEMATHESIS_HOOKS="$MC_ROOT/tests/api/hooks.py" schemathesis --no-color run "$MC_ROOT/openapi.yaml" \
      --url "$url" --checks all --max-examples "$max_examples" --workers "$workers" "${seed_args[@]}" \
      --report junit --report-junit-path "$work_dir/junit.xml") || status=$?
  ((status == 0)) || return "$status"
  # A run that skipped an operation (the events route, say) proves nothing
  # about it. Callers may run this under `||`, so it returns, never exits.
  "$VENV_DIR/bin/python" - "$MC_ROOT/openapi.yaml" "$work_dir/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ElementTree

import yaml

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
with open(sys.argv[1], encoding="utf-8") as document:
    paths = yaml.safe_load(document)["paths"]
operations = {f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in METHODS}
tested = {
    case.get("name")
    for case in ElementTree.parse(sys.argv[2]).iter("testcase")
    if case.find("skipped") is None
}
untested = sorted(operations - tested)
for operation in untested:
    print(f"error: schemathesis did not test {operation} (report: {sys.argv[2]})", file=sys.stderr)
sys.exit(1 if untested else 0)
PY
}

# ---------------------------------------------------------------------------
# The local stack used by make test and make api-test.

# Starts DynamoDB Local on port $1 with TABLE_NAME and EVENTS_TABLE_NAME
# created, and points the local AWS environment at it. Its logs: in $2.
start_test_dynamodb() { # port log_dir
  start_dynamodb_local "$1" "$2" --locked
  local_aws_env "$1"
}

# built_executable NAME KIND [cargo args...]
# Runs `cargo <args> --message-format=json-render-diagnostics` (a build, e.g.
# `test --workspace --locked --no-run`), its messages shown as usual, and
# prints the path of the executable it built for the target NAME of KIND
# (bin, example), with that build's features: running it directly, rather
# than through `cargo run` or `cargo lambda watch`, builds nothing again.
# Fails when the build fails or built no such executable.
built_executable() { # name kind [cargo args...]
  local name=$1 kind=$2 binary status=0
  shift 2
  binary=$(cd -- "$MC_ROOT" && cargo "$@" --message-format=json-render-diagnostics |
    python3 -c '
import json, sys
name, kind, found = sys.argv[1], sys.argv[2], ""
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    target = message.get("target") or {}
    if message.get("reason") == "compiler-artifact" and target.get("name") == name \
            and kind in target.get("kind", []) and message.get("executable"):
        found = message["executable"]
print(found)
' "$name" "$kind") || status=$?
  ((status == 0)) || return "$status"
  [[ -n $binary && -x $binary ]] || die "cargo $* built no $kind named $name"
  printf '%s\n' "$binary"
}

# start_test_function PORT LOG_DIR BINARY
# Serves BINARY (built by the caller: built_executable) on 127.0.0.1:PORT the
# way `make run` does, behind `cargo lambda watch`'s HTTP front door, but with
# nothing to build: watch only runs its Lambda Runtime API
# (--only-lambda-apis), and BINARY polls it with the environment Lambda
# gives a function, with AWS_LAMBDA_MAX_CONCURRENCY = API_TEST_WORKERS
# (default 4): the api test's workers are served at once, as on Managed
# Instances, rather than queued behind one another. Waits until
# the function answers, at most WATCH_READY_TIMEOUT seconds (default 120).
# Logs: LOG_DIR/cargo-lambda-watch.log, LOG_DIR/function.log.
start_test_function() { # port log_dir binary
  local port=$1 log_dir=$2 binary=$3 setting settings=()
  need_venv_tool cargo-lambda "cargo-lambda==$CARGO_LAMBDA_VERSION"
  log "starting cargo lambda watch --only-lambda-apis on 127.0.0.1:$port and ${binary#"$MC_ROOT"/} under it (logs: ${log_dir#"$MC_ROOT"/}/cargo-lambda-watch.log, function.log)"
  start_service cargo-lambda-watch "$log_dir/cargo-lambda-watch.log" "$MC_ROOT" \
    cargo lambda watch --only-lambda-apis --package media-collector --bin media-collector --disable-cors \
    --invoke-address 127.0.0.1 --invoke-port "$port"
  wait_line "cargo lambda watch" "$SVC_PID" 'starting Runtime server' 60
  for setting in "${FUNCTION_SETTINGS[@]}"; do
    [[ -n ${!setting:-} ]] && settings+=("$setting=${!setting}")
  done
  # The Runtime API of watch's router's function (Cargo.toml's
  # [package.metadata.lambda.watch.router] sends every path to it).
  start_service function "$log_dir/function.log" "$MC_ROOT" \
    env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TZ=:UTC \
    AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$port/.rt/media-collector" \
    AWS_LAMBDA_FUNCTION_NAME=media-collector AWS_LAMBDA_FUNCTION_VERSION="\$LATEST" \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 AWS_LAMBDA_MAX_CONCURRENCY="${API_TEST_WORKERS:-4}" \
    TABLE_NAME="$TABLE_NAME" EVENTS_TABLE_NAME="$EVENTS_TABLE_NAME" REJECTED_TABLE_NAME="$REJECTED_TABLE_NAME" \
    AWS_ENDPOINT_URL_DYNAMODB="$AWS_ENDPOINT_URL_DYNAMODB" AWS_REGION="$AWS_REGION" \
    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
    "${settings[@]}" "$binary"
  wait_http "the function" "$SVC_PID" "http://127.0.0.1:$port$WATCH_READY_PATH" \
    '^204$' "${WATCH_READY_TIMEOUT:-120}" "${WATCH_PROBE[@]}"
}
