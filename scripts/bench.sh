#!/usr/bin/env bash
# `make bench`: start the services, then every benchmark in bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-services.sh
.venv/bin/python -m bench.host_liveness
.venv/bin/python -m bench.inventory_apply
.venv/bin/python -m bench.inventory
.venv/bin/python -m bench.policy
.venv/bin/python -m bench.registries
BERTH_TEST_RUN=terminal-bench .venv/bin/python -m bench.terminal
BERTH_TEST_RUN=logs-bench .venv/bin/python -m bench.logs
.venv/bin/python -m bench.operations
.venv/bin/python -m bench.containers_list
.venv/bin/python -m bench.events_sockets
.venv/bin/python -m bench.many_hosts
