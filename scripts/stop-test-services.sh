#!/usr/bin/env bash
# Stop the services scripts/test-services.sh started: docker engine #2, the
# private registry, redis and postgresql. Only processes recorded in $STATE_DIR/pids (and
# whose command line still matches) are stopped; docker engine #1
# (/var/run/docker.sock) is always left alone. Safe to run repeatedly.
#
# Env: BERTH_TEST_STATE_DIR (default $REPO/var/test-services),
#      BERTH_TEST_STOP_TIMEOUT (seconds to wait per daemon, default 60).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
STATE_DIR=${BERTH_TEST_STATE_DIR:-$REPO/var/test-services}
[[ ! -d $STATE_DIR ]] || STATE_DIR=$(cd "$STATE_DIR" && pwd)  # as test-services.sh
STOP_TIMEOUT=${BERTH_TEST_STOP_TIMEOUT:-60}
PID_DIR=$STATE_DIR/pids

DOCKER2_SOCK=/var/run/berth-docker2.sock
DOCKER2_DATA_ROOT=/var/lib/berth-docker2
DOCKER2_BRIDGE=berth2
DOCKER2_FWD_CHAIN=BERTH-DOCKER2

say() { printf '%s\n' "$*"; }

# pid_matching PIDFILE PATTERN: print the pid if the pidfile names a live
# process whose command line matches PATTERN.
pid_matching() {
    local pidfile=$1 pattern=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE -- "$pattern" || return 1
    printf '%s' "$pid"
}

# stop NAME PIDFILE PATTERN: TERM, wait (bounded), then KILL.
stop() {
    local name=$1 pidfile=$2 pattern=$3 pid
    if ! pid=$(pid_matching "$pidfile" "$pattern"); then
        rm -f "$pidfile"
        say "$name: not running (or not started by test-services.sh)"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            say "$name: pid $pid still running after ${STOP_TIMEOUT}s, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
            break
        fi
        sleep 0.2
    done
    rm -f "$pidfile"
    say "$name: stopped (pid $pid)"
}

# Engine #2 runs with --live-restore (see test-services.sh), so its containers
# would outlive the daemon: remove them first.
if pid_matching "$PID_DIR/docker2.pid" "dockerd.*$DOCKER2_SOCK" >/dev/null; then
    D2=(timeout 60 docker -H "unix://$DOCKER2_SOCK")
    ids=$("${D2[@]}" ps -q 2>/dev/null || true)
    if [[ -n $ids ]]; then
        # shellcheck disable=SC2086  # one id per word
        "${D2[@]}" stop -t 5 $ids >/dev/null 2>&1 || true
        say "docker #2: stopped $(wc -w <<<"$ids") container(s)"
    fi
fi
stop "docker #2" "$PID_DIR/docker2.pid" "dockerd.*$DOCKER2_SOCK"
stop "registry" "$PID_DIR/registry.pid" "docker-registry serve $STATE_DIR/registry/config.yml"
stop "redis" "$PID_DIR/redis.pid" "redis-server"
if [[ -s $STATE_DIR/postgres/postmaster.pid ]]; then
    head -1 "$STATE_DIR/postgres/postmaster.pid" >"$PID_DIR/postgres.pid"
    stop "postgresql" "$PID_DIR/postgres.pid" "postgres"
fi

# Undo engine #2's network plumbing once no engine #2 is left running.
if [[ ! -S $DOCKER2_SOCK ]] || ! timeout 5 docker -H "unix://$DOCKER2_SOCK" version >/dev/null 2>&1; then
    if command -v iptables >/dev/null 2>&1 && iptables -w 10 -n -L "$DOCKER2_FWD_CHAIN" >/dev/null 2>&1; then
        while iptables -w 10 -D FORWARD -j "$DOCKER2_FWD_CHAIN" 2>/dev/null; do :; done
        iptables -w 10 -F "$DOCKER2_FWD_CHAIN"
        iptables -w 10 -X "$DOCKER2_FWD_CHAIN"
        say "docker #2: removed iptables chain $DOCKER2_FWD_CHAIN"
    fi
    # dockerd bind-mounts its data-root onto itself; it only undoes that on a
    # clean shutdown of the run that created it (not after a crash).
    if mountpoint -q "$DOCKER2_DATA_ROOT" 2>/dev/null; then
        if umount "$DOCKER2_DATA_ROOT"; then
            say "docker #2: unmounted $DOCKER2_DATA_ROOT"
        else
            say "docker #2: could not unmount $DOCKER2_DATA_ROOT (busy?)"
        fi
    fi
    if ip link show "$DOCKER2_BRIDGE" >/dev/null 2>&1; then
        ip link delete "$DOCKER2_BRIDGE"
        say "docker #2: removed bridge $DOCKER2_BRIDGE"
    fi
fi
say "docker #1: left alone"
