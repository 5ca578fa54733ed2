#!/usr/bin/env bash
# `make test`: start what the tests need, then every check. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/test-services.sh
# shellcheck disable=SC1091
source "${BERTH_TEST_STATE_DIR:-var/test-services}/services.env"
make --no-print-directory deps-dev

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== manage.py check"
.venv/bin/python manage.py check --fail-level WARNING
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest"
status=0
.venv/bin/python -m pytest "$@" || status=$?
echo "make test: $(( $(date +%s) - started )) s"
exit $status
