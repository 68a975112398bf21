#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make lint`: rustfmt check and clippy with warnings as errors.
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
