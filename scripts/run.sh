#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make run`: the function on your machine, against DynamoDB Local.
#   1. scripts/tools.sh
#   2. DynamoDB Local (in memory) on DDB_PORT (default 8000), tables TABLE_NAME
#      and EVENTS_TABLE_NAME created
#   3. cargo lambda watch on PORT (default 9000) in the foreground: it rebuilds
#      and restarts the function when the code changes
# Ctrl-C (or any exit) stops everything this script started.
# Logs: the function's on the terminal; DynamoDB Local's in target/run-services/.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

"$MC_ROOT/scripts/tools.sh"

# Fail early, before anything starts, when a port is taken.
DDB_PORT=${DDB_PORT:-}
PORT=${PORT:-}
choose_port DDB_PORT 8000
choose_port PORT 9000

LOG_DIR=$MC_ROOT/target/run-services
mkdir -p -- "$LOG_DIR"
install_cleanup_trap

start_dynamodb_local "$DDB_PORT" "$LOG_DIR"
local_aws_env "$DDB_PORT"

log "starting cargo lambda watch on 127.0.0.1:$PORT (the first build can take minutes)"
start_watch "$PORT" -
watch_pid=$SVC_PID

# Say how to call it once it answers. No time limit: while the code does not
# compile, watch keeps running and rebuilds when the code changes.
url="http://127.0.0.1:$PORT$WATCH_READY_PATH"
wait_http "cargo lambda watch" "$watch_pid" "$url" '^204$' 0 "${WATCH_PROBE[@]}" || exit 1

body='{"playerTime":{"playhead":0,"ts":1509045324153},"eventType":"sessionStart","params":{"media.playerName":"sample-html5-api-player","analytics.trackingServer":"example.sc.omtrdc.net","analytics.reportSuite":"example-rsid","analytics.visitorId":"visitor-1","media.contentType":"VOD","media.length":60.39333333333333,"media.id":"MA API Sample Player","visitor.marketingCloudOrgId":"ABC123@AdobeOrg","media.name":"ClickMe","media.channel":"sample-channel","media.sdkVersion":"va-api-0.0.0","analytics.enableSSL":false},"customMetadata":{"myCustomData":"value"},"qoeData":{"media.qoe.bitrate":1800000}}'
cat >&2 <<EOF

==> media-collector is running: POST $url
    DynamoDB Local: $AWS_ENDPOINT_URL_DYNAMODB, tables $TABLE_NAME and $EVENTS_TABLE_NAME (in memory: emptied when this stops)
    Try it (the example body of docs/api.md):
      curl -i -X POST '$url' -H 'Content-Type: application/json' -d '$body'
    Then POST events to the Location it answers, plus /events; or play a whole
    session with: make demo API_URL=http://127.0.0.1:$PORT AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB
    Or send a whole Lambda event (API Gateway, ALB, ...) from events/:
      ${VENV_DIR#"$MC_ROOT"/}/bin/cargo-lambda lambda invoke media-collector --invoke-address 127.0.0.1 --invoke-port $PORT --data-file events/apigw-rest-session-start.json
    Ctrl-C stops the function and DynamoDB Local.

EOF

status=0
wait "$watch_pid" || status=$?
log "cargo lambda watch exited (status $status)"
exit "$status"
