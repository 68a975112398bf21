#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make deploy`: build with SAM (which runs cargo lambda for the arm64
# bootstrap) and deploy template.yaml, asking for the stack's settings the
# first time and saving them in samconfig.toml. Needs the AWS SAM CLI and
# AWS credentials; see the README's "Deploying" section.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

command -v sam >/dev/null 2>&1 ||
  die "the AWS SAM CLI is not installed: see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"
"$MC_ROOT/scripts/tools.sh"   # cargo-lambda and zig, which sam build uses

log "sam build --beta-features"
sam build --beta-features
if [[ -f samconfig.toml ]]; then
  log "sam deploy (settings from samconfig.toml)"
  sam deploy
else
  log "sam deploy --guided"
  sam deploy --guided
fi
