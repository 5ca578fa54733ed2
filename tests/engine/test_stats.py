"""The figures of `docker stats`, computed from the engine's raw samples as the docker CLI does."""

from engine.stats import stats_sample

# A trimmed sample from a real engine (cgroup v1), with an interval: precpu filled.
SAMPLE = {
    "read": "2026-11-27T23:12:31.57038082Z",
    "pids_stats": {"current": 3},
    "blkio_stats": {
        "io_service_bytes_recursive": [
            {"major": 8, "minor": 0, "op": "Read", "value": 4096},
            {"major": 8, "minor": 0, "op": "Write", "value": 8192},
            {"major": 8, "minor": 16, "op": "read", "value": 1000},
            {"major": 8, "minor": 0, "op": "Sync", "value": 12288},
            {"major": 8, "minor": 0, "op": "Total", "value": 12288},
        ]
    },
    "cpu_stats": {
        "cpu_usage": {"total_usage": 1_500_000_000, "percpu_usage": [1, 2]},
        "system_cpu_usage": 20_004_000_000_000,
        "online_cpus": 2,
    },
    "precpu_stats": {
        "cpu_usage": {"total_usage": 1_000_000_000, "percpu_usage": [1, 2]},
        "system_cpu_usage": 20_002_000_000_000,
        "online_cpus": 2,
    },
    "memory_stats": {
        "usage": 10_000_000,
        "stats": {"total_inactive_file": 2_000_000, "inactive_file": 1_000_000},
        "limit": 100_000_000,
    },
    "networks": {"eth0": {"rx_bytes": 486, "tx_bytes": 100}, "eth1": {"rx_bytes": 14, "tx_bytes": 1}},
}


def test_cpu_percent_is_the_containers_share_of_the_interval_times_the_cpus():
    # 0.5 s of CPU over an interval in which the system counted 2 s (two CPUs for one second)
    sample = stats_sample(SAMPLE)

    assert sample.cpu_percent == 50.0
    assert sample.online_cpus == 2


def test_online_cpus_fall_back_to_the_per_cpu_list_on_old_engines():
    cpu = {**SAMPLE["cpu_stats"], "online_cpus": 0}

    sample = stats_sample({**SAMPLE, "cpu_stats": cpu})

    assert sample.online_cpus == 2 and sample.cpu_percent == 50.0


def test_the_first_sample_of_a_stream_has_no_interval_hence_no_cpu_percent():
    sample = stats_sample({**SAMPLE, "precpu_stats": {"cpu_usage": {"total_usage": 0}}})

    assert sample.cpu_percent is None


def test_an_idle_container_is_at_zero_percent():
    sample = stats_sample({**SAMPLE, "cpu_stats": {**SAMPLE["cpu_stats"], "cpu_usage": {"total_usage": 1_000_000_000}}})

    assert sample.cpu_percent == 0.0


def test_memory_leaves_out_the_inactive_page_cache_cgroup_v1_first():
    sample = stats_sample(SAMPLE)

    assert sample.memory_usage == 8_000_000
    assert sample.memory_limit == 100_000_000
    assert sample.memory_percent == 8.0


def test_memory_on_cgroup_v2_uses_inactive_file():
    memory = {"usage": 10_000_000, "stats": {"inactive_file": 1_000_000}, "limit": 0}

    sample = stats_sample({**SAMPLE, "memory_stats": memory})

    assert sample.memory_usage == 9_000_000
    assert sample.memory_percent == 0.0  # no limit known: no percentage rather than a division by zero


def test_network_sums_every_interface_and_block_io_sums_reads_and_writes_only():
    sample = stats_sample(SAMPLE)

    assert (sample.network_rx, sample.network_tx) == (500, 101)
    assert (sample.block_read, sample.block_write) == (5096, 8192)
    assert sample.pids == 3


def test_a_sample_of_a_stopped_container_with_nothing_filled_gives_zeros_not_an_error():
    sample = stats_sample({"read": "0001-01-01T00:00:00Z", "networks": None, "blkio_stats": {}})

    assert sample.cpu_percent is None
    assert (sample.memory_usage, sample.network_rx, sample.block_write, sample.pids) == (0, 0, 0, 0)
