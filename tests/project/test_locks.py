"""The locks `make run` and `make test` install from cover every range people edit, within it."""

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def ranges(name: str) -> list[Requirement]:
    found = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            found.append(Requirement(line))
    return found


def pins(name: str) -> dict[str, tuple[str, int]]:
    """{package: (version, hashes)} of a lock made by `uv pip compile --generate-hashes`."""
    locked, current = {}, None
    for line in (ROOT / name).read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            package, version = line.split(" ", 1)[0].split(";", 1)[0].split("==")
            current = canonicalize_name(package)
            locked[current] = (version, 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = locked[current]
            locked[current] = (version, hashes + 1)
    return locked


@pytest.mark.parametrize(
    ("edited", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_range_is_locked_within_it_with_hashes(edited, lock):
    locked = pins(lock)
    wanted = ranges(edited) + (ranges("requirements.txt") if edited != "requirements.txt" else [])
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is in {edited} but not in {lock}: run `make lock`."
        version, _ = locked[name]
        assert requirement.specifier.contains(version), f"{lock} pins {name}=={version}, outside {requirement}"
    assert all(hashes for _, hashes in locked.values()), f"{lock} has a pin without a hash"
