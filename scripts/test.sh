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
echo "== import-linter (the layers in .importlinter)"
.venv/bin/lint-imports --no-cache
echo "== manage.py check"
.venv/bin/python manage.py check --fail-level WARNING
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest"
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $# -eq 0 && ${BERTH_TEST_POSTGRES:-1} != 0 ]]; then
    # PostgreSQL is a first-class database: the integration suite again on it, and the portal's
    # tests of the inventory's bulk paths (pytest-django makes its test database there).
    echo "== pytest on PostgreSQL"
    BERTH_TEST_DATABASE=postgres .venv/bin/python -m pytest tests/integration -q || status=$?
    DATABASE_URL=${BERTH_TEST_POSTGRES_URL%/*}/berth_unit .venv/bin/python -m pytest tests/portal/inventory \
        tests/portal/containers tests/portal/images -q || status=$?
fi
echo "make test: $(( $(date +%s) - started )) s"
exit $status
