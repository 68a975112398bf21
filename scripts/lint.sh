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
