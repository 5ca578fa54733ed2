#!/usr/bin/env bash
# `make test`: start what the tests need, then every check. Exits non-zero on any failure.
# With arguments, they go to one pytest run (`make test` runs no such thing: scripts/test.sh -k x).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

# The services and the locked install at once: both mostly wait (daemons starting, downloads).
services_log=$(mktemp)
trap 'rm -f "$services_log"' EXIT
scripts/test-services.sh >"$services_log" 2>&1 &
services=$!
make --no-print-directory deps-dev
services_status=0
wait "$services" || services_status=$?
cat "$services_log"
if [[ $services_status != 0 ]]; then
    echo "make test: the test services did not start (above)" >&2
    exit 1
fi
# shellcheck disable=SC1091
source "${BERTH_TEST_STATE_DIR:-var/test-services}/services.env"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import-linter (the layers in .importlinter)"
.venv/bin/lint-imports --no-cache
echo "== manage.py check"
.venv/bin/python manage.py check --fail-level WARNING
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run
status=0
if [[ $# -gt 0 ]]; then
    echo "== pytest $*"
    .venv/bin/python -m pytest "$@" || status=$?
    echo "make test: $(( $(date +%s) - started )) s"
else
    # Every pass at once, each with its own Redis, run label and databases (scripts/test_lanes.py):
    # unit tests, integration (SQLite), browser tests, and PostgreSQL (integration and the bulk paths).
    BERTH_TEST_STARTED=$started .venv/bin/python scripts/test_lanes.py || status=$?
fi
exit $status
