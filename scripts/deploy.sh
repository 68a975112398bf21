#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make deploy`: build with SAM (which runs cargo lambda for the arm64
# bootstrap) and deploy template.yaml, asking for the stack's settings the
# first time and saving them in samconfig.toml. Needs AWS credentials; see the
# README's "Deploying" section.
# `make sam-build` (scripts/deploy.sh --build-only): only the build, into
# .aws-sam/build; needs no AWS account.
#
# The AWS SAM CLI on PATH is used when there is one; otherwise the version
# pinned in scripts/versions.sh is installed into .tools/sam-venv (its own
# venv: its dependencies must not meet cfn-lint's and schemathesis's).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

build_only=
case ${1:-} in
  "") ;;
  --build-only) build_only=1 ;;
  *) die "usage: scripts/deploy.sh [--build-only]" ;;
esac

"$MC_ROOT/scripts/tools.sh" # cargo-lambda and zig, which sam build uses

SAM_VENV=$TOOLS_DIR/sam-venv
if ! command -v sam >/dev/null 2>&1; then
  if ! "$SAM_VENV/bin/sam" --version 2>/dev/null | grep -qF "version $AWS_SAM_CLI_VERSION"; then
    log "installing the AWS SAM CLI $AWS_SAM_CLI_VERSION into ${SAM_VENV#"$MC_ROOT"/} (pip, PyPI)"
    rm -rf -- "$SAM_VENV"
    python3 -m venv "$SAM_VENV" ||
      die "could not create ${SAM_VENV#"$MC_ROOT"/}: run 'make tools' first, or install the AWS SAM CLI yourself: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"
    "$SAM_VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
      "aws-sam-cli==$AWS_SAM_CLI_VERSION" ||
      die "pip could not install aws-sam-cli==$AWS_SAM_CLI_VERSION; install the AWS SAM CLI yourself: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"
  fi
  # Last on PATH: cargo lambda finds zig through `python3 -m ziglang`, so the
  # python3 first on PATH must stay the one of .tools/venv.
  export PATH="$PATH:$SAM_VENV/bin"
fi
export SAM_CLI_TELEMETRY=${SAM_CLI_TELEMETRY:-0}
log "using $(sam --version) ($(command -v sam))"

log "sam build --beta-features"
sam build --beta-features
if [[ -n $build_only ]]; then
  log "built: .aws-sam/build/template.yaml and .aws-sam/build/SessionsFunction/bootstrap ($(stat -c %s .aws-sam/build/SessionsFunction/bootstrap) bytes, unzipped)"
  exit 0
fi
if [[ -f samconfig.toml ]]; then
  log "sam deploy (settings from samconfig.toml)"
  sam deploy
else
  log "sam deploy --guided"
  sam deploy --guided
fi
