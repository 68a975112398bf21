#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make build`: the deployable arm64 zip, target/lambda/media-collector/bootstrap.zip,
# cross-compiled by cargo lambda with zig. Fails when the zip is over 2 MiB
# (2,097,152 bytes: the size target of docs/performance.md).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MC_ROOT"

"$MC_ROOT/scripts/tools.sh"
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "rustup target add aarch64-unknown-linux-gnu"
  rustup target add aarch64-unknown-linux-gnu
fi

log "cargo lambda build --release --arm64 --output-format zip --bin media-collector"
cargo lambda build --release --arm64 --output-format zip --locked --bin media-collector

zip=target/lambda/media-collector/bootstrap.zip
[[ -f $zip ]] || die "cargo lambda build did not produce $zip"
size=$(stat -c %s "$zip")
limit=$((2 * 1024 * 1024))
log "$zip: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB; limit 2 MiB)"
((size <= limit)) || die "$zip is $size bytes, over the 2 MiB ($limit bytes) limit: see docs/performance.md for where the bytes go"
