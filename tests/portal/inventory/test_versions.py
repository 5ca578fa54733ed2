"""Inventory versions: a newer worker outranks an older one, whatever their sequence numbers."""

import pytest

from portal.inventory.versions import MAX_OBSERVED_SEQ, inventory_version


def test_a_later_observation_of_one_worker_is_newer():
    assert inventory_version(1, 8) > inventory_version(1, 7)


def test_anything_a_newer_worker_observed_is_newer_than_all_an_older_one_did():
    assert inventory_version(2, 1) > inventory_version(1, MAX_OBSERVED_SEQ)


def test_a_version_fits_a_database_big_integer():
    assert inventory_version(2**31 - 1, MAX_OBSERVED_SEQ) < 2**63


@pytest.mark.parametrize("observed_seq", [-1, MAX_OBSERVED_SEQ + 1])
def test_a_sequence_outside_its_bits_is_refused(observed_seq):
    with pytest.raises(ValueError, match="outside"):
        inventory_version(1, observed_seq)
