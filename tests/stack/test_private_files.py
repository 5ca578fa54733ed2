"""The portal machine's files are its owner's alone: `make run` sets umask 077 for itself and
everything it starts, and what an earlier run left readable in the data directory is closed."""

import os
import stat
import subprocess
import sys

import pytest
import redis

from portal.terminals.recording import Recorder
from stack.private_files import keep_private, make_owner_only
from stack.redis_service import local_redis_command, wait_for_redis
from stack.supervisor import Process, Supervisor
from tests.support.processes import free_port


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask():
    """The test's process umask, put back after (keep_private sets it for the whole process)."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def test_what_an_earlier_run_left_readable_is_made_owner_only(tmp_path):
    data = tmp_path / "var"
    (data / "recordings").mkdir(parents=True)
    (data / "berth.sqlite3").write_text("db")
    (data / "recordings" / "one.cast").write_text("{}")
    for path, readable in [(data, 0o755), (data / "recordings", 0o755), (data / "berth.sqlite3", 0o644)]:
        os.chmod(path, readable)
    os.chmod(data / "recordings" / "one.cast", 0o664)
    (data / "link").symlink_to("/etc/hostname")

    assert make_owner_only(data) == []

    assert [mode(data), mode(data / "recordings")] == [0o700, 0o700]
    assert [mode(data / "berth.sqlite3"), mode(data / "recordings" / "one.cast")] == [0o600, 0o600]
    assert mode("/etc/hostname") & 0o044  # a link's target is not the data directory's to change


def test_every_process_make_run_starts_writes_owner_only_files(tmp_path, umask):
    data = tmp_path / "data"
    assert keep_private(data) == []
    supervisor = Supervisor()
    probe = "import os, pathlib; pathlib.Path(os.environ['OUT']).write_text('x'); print(oct(os.umask(0)))"
    process = supervisor.start(Process("probe", [sys.executable, "-c", probe], env={"OUT": str(data / "probe.txt")}))
    process.popen.wait(20)
    supervisor.stop()

    assert mode(data) == 0o700
    assert mode(data / "probe.txt") == 0o600


def test_the_redis_dump_is_owner_only(tmp_path, umask):
    keep_private(tmp_path / "data")
    url = f"redis://127.0.0.1:{free_port()}/0"
    command = local_redis_command(url, tmp_path / "data" / "redis")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        assert wait_for_redis(url)
        client = redis.Redis.from_url(url)
        client.set("x", "1")
        client.save()
    finally:
        server.terminate()
        server.wait(20)

    dump = tmp_path / "data" / "redis" / "dump.rdb"
    assert mode(dump) == 0o600 and mode(dump.parent) == 0o700


def test_the_web_settings_make_a_missing_data_directory_owner_only(tmp_path):
    data = tmp_path / "fresh"
    env = {**os.environ, "BERTH_DATA_DIR": str(data)}
    subprocess.run([sys.executable, "-c", "import portal.settings"], env=env, check=True, cwd=os.getcwd())

    assert mode(data) == 0o700


def test_a_recording_is_owner_only_whatever_the_umask(tmp_path, umask):
    os.umask(0o022)
    path = tmp_path / "recordings" / "session.cast"

    recorder = Recorder(path, cols=80, rows=24, max_bytes=1024)
    recorder.close()

    assert mode(path) == 0o600 and mode(path.parent) == 0o700
