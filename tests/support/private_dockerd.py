"""A dockerd of a test's own, to stop and start for real (a host's engine restarted) without touching
the two shared engines, and to remove without a trace after.

Everything it has is under one short directory (/tmp/bd-XXXXXXXX: a unix socket's path is at most
107 bytes, and containerd's sockets live under the exec-root): data-root, exec-root (so dockerd
runs a containerd of its own there), pidfile, socket, config file, log. Apart from the shared
engines as scripts/test-services.sh starts engine #2:
- its own bridge (never `--bridge=none`, which deletes engine #1's docker0) on a /24 of
  198.18.0.0/15 (the benchmarking range: outside both engines' pools and free_subnet()'s);
- `--iptables=false --ip-masq=false`: a second dockerd managing iptables flushes engine #1's chains;
- no `--default-address-pool`: with one, and without live-restore, a dockerd that restarts over its
  stored default bridge deletes the link named docker0 (engine #1's); without live-restore its
  containers stop with it, as a plain engine's do;
- its own config file (/etc/docker/daemon.json is engine #1's) whose key path gives it an engine ID
  of its own, and its own containerd namespaces.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import random
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from tests.support.docker_cli import IMAGE, docker

__all__ = ["PrivateDockerd"]

SHARED_ENGINE = os.environ.get("DOCKER_HOST_1", "unix:///var/run/docker.sock")
BRIDGE_RANGE = ipaddress.ip_network("198.18.0.0/15")
DAEMONS = frozenset({"dockerd", "containerd", "containerd-shim-runc-v2", "containerd-shim"})


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        # The command's name, in parentheses, may hold spaces: the fields after its last ")".
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _unescape(path: str) -> str:
    """A mount point as /proc/self/mountinfo writes it (space, tab, newline, backslash octal-escaped)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, char)
    return path


class PrivateDockerd:
    """One dockerd under a directory of its own: `start()`, `stop()`, `start()` again on the same
    data-root, `destroy()` at the end (containers, daemons, mounts, bridge, files all gone)."""

    def __init__(self, parent: str = "/tmp"):
        self.token = uuid.uuid4().hex[:8]
        self.root = Path(parent) / f"bd-{self.token}"
        self.root.mkdir(mode=0o700)
        self.socket = self.root / "d.sock"
        self.url = f"unix://{self.socket}"
        self.data_root = self.root / "data"
        self.exec_root = self.root / "x"
        self.pidfile = self.root / "d.pid"
        self.config = self.root / "daemon.json"
        self.log_path = self.root / "dockerd.log"
        self.bridge = f"bd{self.token}"  # at most 15 characters
        self.namespace = f"bd-{self.token}"
        self.subnet: ipaddress.IPv4Network | None = None
        self.popen: subprocess.Popen | None = None

    # -- the daemon -------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> float:
        """Start dockerd and wait until `docker info` answers: the seconds that took."""
        assert self.popen is None or self.popen.poll() is not None, "dockerd is running already"
        if self.subnet is None:
            self._make_bridge()
        self.data_root.mkdir(exist_ok=True)
        self.exec_root.mkdir(exist_ok=True)
        self.config.write_text(json.dumps({"deprecated-key-path": str(self.data_root / "key.json")}))
        self._clear_stale_pidfiles()
        command = [
            "dockerd",
            f"--host={self.url}",
            f"--config-file={self.config}",
            f"--data-root={self.data_root}",
            f"--exec-root={self.exec_root}",
            f"--pidfile={self.pidfile}",
            f"--containerd-namespace={self.namespace}",
            f"--containerd-plugins-namespace={self.namespace}-plugins",
            f"--bridge={self.bridge}",
            "--iptables=false",
            "--ip-masq=false",
            "--label=berth.test-engine=private",
        ]
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            log.write(f"==== {time.strftime('%FT%T')} starting: {' '.join(command)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                command, cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = started + timeout
        while not self.answers():
            if self.popen.poll() is not None:
                raise RuntimeError(f"dockerd exited ({self.popen.returncode}) while starting:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.02)
        return time.monotonic() - started

    def answers(self) -> bool:
        """Whether `docker info` answers (a dockerd restoring what a killed one left can take its
        socket's connections and answer them only later: not yet)."""
        try:
            result = subprocess.run(
                ["docker", "-H", self.url, "info", "--format", "{{.ID}}"], capture_output=True, timeout=5, check=False
            )
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0

    def stop(self, timeout: float = 30) -> float:
        """SIGTERM (dockerd stops its containers, then its containerd), KILL after `timeout`: the
        seconds it took."""
        started = time.monotonic()
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self._end(self.processes(), grace=10)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer: its containerd goes with it, its shims and their
        containers stay (the next dockerd, without live-restore, stops them as it starts)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None and self.popen.poll() is None else None

    def docker(self, *args: str, check: bool = True) -> str:
        return docker(*args, host=self.url, check=check)

    def load_image(self, image: str = IMAGE, source: str = SHARED_ENGINE) -> None:
        """`docker save` from a shared engine piped into `docker load` here (no registry needed)."""
        save = subprocess.Popen(["docker", "-H", source, "save", image], stdout=subprocess.PIPE)
        loaded = subprocess.run(
            ["docker", "-H", self.url, "load", "-q"], stdin=save.stdout, capture_output=True, timeout=120, check=False
        )
        save.stdout.close()
        if save.wait(30) != 0 or loaded.returncode != 0:
            raise RuntimeError(f"Loading {image} into {self.url} failed: {loaded.stderr.decode(errors='replace')}")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # -- the end ----------------------------------------------------------------------------------

    def destroy(self) -> None:
        """Nothing left: containers removed (by the engine when it answers), dockerd, its containerd
        and any shim ended, every mount under the root undone, the bridge deleted, the files removed."""
        try:
            if self.pid() is not None and self.answers():
                ids = self.docker("ps", "-aq", check=False).split()
                if ids:
                    self.docker("rm", "-f", *ids, check=False)
            self.stop()
            # A dockerd killed leaves its shims and their containers running.
            self._end(self.processes(), grace=5)
        finally:
            self._unmount_all()
            if self.subnet is not None:
                subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True, check=False)
            shutil.rmtree(self.root, ignore_errors=True)

    def mounts(self) -> list[str]:
        """Mount points at or under the root, deepest first."""
        points = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = _unescape(line.split()[4])
            if point == str(self.root) or point.startswith(f"{self.root}/"):
                points.append(point)
        return sorted(points, key=lambda p: p.count("/"), reverse=True)

    def _unmount_all(self) -> None:
        # dockerd bind-mounts its data-root onto itself and undoes it only on a clean shutdown of
        # the run that made it; netns files and overlays stay when a daemon was killed.
        for point in self.mounts():
            if subprocess.run(["umount", point], capture_output=True, check=False).returncode != 0:
                subprocess.run(["umount", "-l", point], capture_output=True, check=False)

    def processes(self) -> list[int]:
        """dockerd, containerd and the shims of this root (each names it on its command line), and
        every process under them (the containers' own, docker-proxy)."""
        pids = _pids()
        ours = {
            pid
            for pid in pids
            if (words := _cmdline(pid).split())
            and os.path.basename(words[0]) in DAEMONS
            and any(str(self.root) + "/" in word for word in words)
        }
        parents = {pid: _parent(pid) for pid in pids}
        grown = True
        while grown:
            children = {pid for pid, parent in parents.items() if parent in ours} - ours
            grown = bool(children)
            ours |= children
        return sorted(pid for pid in ours if pid != os.getpid())

    @staticmethod
    def _end(pids: list[int], grace: float) -> None:
        """SIGTERM, then SIGKILL to whatever is left after `grace` seconds."""
        for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signum)
            deadline = time.monotonic() + wait
            while (pids := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not pids:
                return

    def _clear_stale_pidfiles(self) -> None:
        """A daemon killed can leave pidfiles naming a zombie or a reused pid: dockerd then refuses
        to start, or believes its containerd runs and waits for it in vain (test-services.sh)."""
        for pidfile, pattern in (
            (self.pidfile, f"dockerd --host={self.url}"),
            (self.exec_root / "containerd" / "containerd.pid", f"containerd --config {self.exec_root}/containerd/"),
        ):
            try:
                pid = int(pidfile.read_text().strip() or 0)
            except (OSError, ValueError):
                continue
            if not (pid and _alive(pid) and _cmdline(pid).startswith(pattern)):
                pidfile.unlink(missing_ok=True)

    def _make_bridge(self) -> None:
        routes = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True, check=True).stdout
        destinations = [line.split()[0] for line in routes.splitlines() if line.strip()]
        taken = [ipaddress.ip_network(word, strict=False) for word in destinations if "/" in word]
        candidates = list(BRIDGE_RANGE.subnets(new_prefix=24))
        random.shuffle(candidates)
        subnet = next(net for net in candidates if not any(net.overlaps(other) for other in taken))
        gateway = f"{next(subnet.hosts())}/{subnet.prefixlen}"
        subprocess.run(["ip", "link", "add", self.bridge, "type", "bridge"], capture_output=True, check=True)
        self.subnet = subnet  # from now on destroy() deletes the bridge
        subprocess.run(["ip", "addr", "add", gateway, "dev", self.bridge], capture_output=True, check=True)
        subprocess.run(["ip", "link", "set", self.bridge, "up"], capture_output=True, check=True)

    def __enter__(self) -> PrivateDockerd:
        return self

    def __exit__(self, *exc_info) -> None:
        self.destroy()
