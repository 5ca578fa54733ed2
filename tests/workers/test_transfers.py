"""A transfer through a real Redis: read to the end or given up at any point, it leaves only
keys that expire, and a writer learns that its reader stopped."""

import threading

import pytest

from wire.transfers import CHUNK, TTL, WINDOW, PipeReader, Transfer, TransferAborted, new_transfer_id


def _keys(client, transfer: Transfer) -> list:
    return [key for key in (transfer.chunks_key, transfer.acks_key) if client.exists(key)]


def test_a_transfer_read_to_the_end_leaves_nothing(redis_client):
    writer = Transfer(redis_client, new_transfer_id())
    reader = PipeReader(Transfer(redis_client, writer.id))
    sender = threading.Thread(target=writer.write, args=([b"a" * CHUNK] * (WINDOW + 3),))
    sender.start()

    body = reader.read()
    sender.join(10)

    assert len(body) == CHUNK * (WINDOW + 3)
    assert _keys(redis_client, writer) == []


def test_a_reader_closed_before_its_first_read_leaves_nothing_the_writer_sent(redis_client):
    # An operation that fails before its engine asks for the body (a generator never started
    # runs no `finally`): what the web process had sent must not wait in Redis for its TTL.
    writer = Transfer(redis_client, new_transfer_id())
    writer.write([b"small context"])
    reader = PipeReader(Transfer(redis_client, writer.id))

    reader.close()

    assert not redis_client.exists(writer.chunks_key)
    assert 0 < redis_client.ttl(writer.acks_key) <= TTL  # the writer's word, expiring


def test_a_reader_that_stops_mid_way_stops_its_writer(redis_client):
    writer = Transfer(redis_client, new_transfer_id(), timeout=5)
    reader = PipeReader(Transfer(redis_client, writer.id, timeout=5))
    outcome = {}

    def send():
        try:
            writer.write(iter(lambda: b"b" * CHUNK, None))  # endless
        except TransferAborted as exc:
            outcome["aborted"] = str(exc)

    sender = threading.Thread(target=send)
    sender.start()
    assert len(reader.read(CHUNK)) == CHUNK
    reader.close()
    sender.join(10)

    assert outcome["aborted"] == "The reader stopped before the end."
    for key in _keys(redis_client, writer):
        assert 0 < redis_client.ttl(key) <= TTL


@pytest.mark.parametrize("closes", [1, 2])
def test_closing_a_reader_again_is_harmless(redis_client, closes):
    writer = Transfer(redis_client, new_transfer_id())
    writer.write([b"x"])
    reader = PipeReader(Transfer(redis_client, writer.id))
    for _ in range(closes):
        reader.close()
    assert not redis_client.exists(writer.chunks_key)
