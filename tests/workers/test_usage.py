"""The worker measures its machine's available memory and the disk under the engine's root
folder, and leaves out what it cannot measure here."""

import shutil

from workers.usage import host_usage, memory_available

MEMINFO = "MemTotal:       16314248 kB\nMemFree:         1200000 kB\nMemAvailable:    8157124 kB\n"


def test_available_memory_is_read_from_meminfo_in_bytes(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO)
    assert memory_available(meminfo) == 8157124 * 1024


def test_a_machine_without_meminfo_has_no_memory_figure(tmp_path):
    assert memory_available(tmp_path / "missing") is None
    (tmp_path / "odd").write_text("MemTotal: 10 kB\n")
    assert memory_available(tmp_path / "odd") is None


def test_the_disk_is_measured_where_the_root_folder_is_here(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO)
    usage = host_usage(str(tmp_path), meminfo)
    disk = shutil.disk_usage(tmp_path)
    assert usage["disk_total"] == disk.total and 0 < usage["disk_used"] <= disk.total
    assert usage["memory_available"] == 8157124 * 1024


def test_a_root_folder_on_another_machine_is_left_out(tmp_path):
    usage = host_usage("/no/such/docker/root", tmp_path / "missing")
    assert usage == {}
    assert host_usage("", tmp_path / "missing") == {}
