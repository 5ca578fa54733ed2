"""An operation's progress key (wire.progress): derived from the portal's secret, the operation
and its host, sealed to that host in the task; a batch or a snapshot it MACed checks, and one
forged, altered, made with another operation's or host's key, or unsigned does not."""

from wire.keys import HostKeys
from wire.progress import OperationProgress, ProgressSnapshot, progress_key, signed_snapshot, verified_snapshot
from wire.stream_signing import KEY_FIELD, open_stream_key

SECRET = b"portal-secret-key"
HOST_A, HOST_B = HostKeys.generate(), HostKeys.generate()


def test_given_the_same_operation_and_host_then_the_portal_derives_the_same_key_and_no_other():
    key = progress_key(SECRET, 7, 1)
    batch = OperationProgress(7, 1, log=["Step 1/2 : FROM busybox"]).to_wire()

    assert progress_key(SECRET, 7, 1).verify(key.sign(batch)) == batch
    for other in (progress_key(SECRET, 8, 1), progress_key(SECRET, 7, 2), progress_key(b"another", 7, 1)):
        assert other.verify(key.sign(batch)) is None
    # Parts are length-prefixed: (71, 1) is not (7, 11).
    assert progress_key(SECRET, 71, 1).verify(progress_key(SECRET, 7, 11).sign(batch)) is None


def test_given_the_key_sealed_to_host_a_then_only_host_a_opens_it_and_signs_what_the_portal_accepts():
    key = progress_key(SECRET, 7, 1)
    sealed = key.sealed_to(HOST_A.public().seal)
    batch = OperationProgress(7, 2, status="Downloading").to_wire()

    on_a = open_stream_key(HOST_A, {KEY_FIELD: sealed})

    assert on_a is not None and open_stream_key(HOST_B, {KEY_FIELD: sealed}) is None
    assert key.verify(on_a.sign(batch)) == batch


def test_given_a_forged_or_altered_batch_then_it_does_not_check():
    key = progress_key(SECRET, 7, 1)
    signed = key.sign(OperationProgress(7, 3, log=["genuine"]).to_wire())

    assert key.verify(OperationProgress(7, 3, log=["forged"]).to_wire()) is None  # unsigned
    assert key.verify({**signed, "log": ["forged"]}) is None  # altered
    assert key.verify({**signed, "seq": 4}) is None
    assert key.verify({**signed, "mac": "not bytes"}) is None


def test_given_a_snapshot_then_its_stored_text_checks_and_any_change_to_it_does_not():
    key = progress_key(SECRET, 7, 1)
    snapshot = ProgressSnapshot(seq=4, layers=[{"id": "abc", "phase": "done"}], status="ok", log=["a", "b"])
    stored = signed_snapshot(key, snapshot)

    assert verified_snapshot(key, stored) == snapshot
    assert verified_snapshot(key, stored.encode()) == snapshot  # as redis-py returns it
    assert verified_snapshot(progress_key(SECRET, 8, 1), stored) is None
    assert verified_snapshot(key, stored.replace('"a"', '"x"')) is None
    assert verified_snapshot(key, stored.split("\n", 1)[1]) is None  # the JSON without its MAC
    for junk in (None, "", "zz\n{}", "\n", "00" * 32 + "\nnot json"):
        assert verified_snapshot(key, junk) is None
    # A batch's MAC does not pass for a snapshot's, nor the other way round.
    assert key.verify({**snapshot.to_wire(), "mac": bytes.fromhex(stored.split("\n", 1)[0])}) is None
