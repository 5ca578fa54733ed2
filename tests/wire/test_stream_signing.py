"""A stream's key (wire.stream_signing): sealed to one host, it signs what that host sends back;
a message from anyone else, altered, or moved to another stream is refused. A transfer signed with
it refuses a frame that is not its host's, or that comes out of order."""

import uuid

import pytest
import redis

from tests.workers.conftest import UNIT_REDIS_URL
from wire.keys import HostKeys
from wire.stream_signing import KEY_FIELD, MAC_FIELD, new_stream_key, open_stream_key
from wire.transfers import Transfer, TransferForged

HOST_A, HOST_B = HostKeys.generate(), HostKeys.generate()


def test_given_a_key_sealed_to_host_a_then_only_host_a_opens_it_and_its_messages_check():
    key = new_stream_key()
    request = {"type": "terminal.open", KEY_FIELD: key.sealed_to(HOST_A.public().seal)}

    opened = open_stream_key(HOST_A, request)
    message = {"type": "stream.data", "seq": 3, "data": b"\x1b[31mhi", "urgent": True}

    assert opened is not None and open_stream_key(HOST_B, request) is None
    assert open_stream_key(HOST_A, {"type": "terminal.open"}) is None
    assert open_stream_key(None, request) is None
    assert key.verify(opened.sign(message)) == message
    assert "hi" not in repr(opened) and key.sealed_to(HOST_A.public().seal) != request[KEY_FIELD]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: {k: v for k, v in m.items() if k != MAC_FIELD},  # unsigned
        lambda m: {**m, "data": b"rm -rf /\r"},  # altered
        lambda m: {**m, "seq": 4},  # renumbered
        lambda m: {**m, MAC_FIELD: "not bytes"},
        lambda m: new_stream_key().sign({k: v for k, v in m.items() if k != MAC_FIELD}),  # another stream's key
    ],
)
def test_given_a_message_not_signed_with_the_streams_key_then_it_is_refused(tamper):
    key = new_stream_key()
    signed = key.sign({"type": "stream.data", "seq": 3, "data": b"ls\r\n"})

    assert key.verify(tamper(signed)) is None


def test_given_a_signed_export_when_someone_else_pushes_a_frame_then_the_reader_refuses_it():
    client, name = redis.Redis.from_url(UNIT_REDIS_URL), uuid.uuid4().hex
    key = new_stream_key()
    writer, reader = Transfer(client, name, key=key), Transfer(client, name, key=key)
    writer._push(writer.chunks_key, b"dfirst")
    Transfer(client, name)._push(writer.chunks_key, b"dINJECTED")  # no key: what another host could write

    chunks = reader.read(peer="host worker")

    assert next(chunks) == b"first"
    with pytest.raises(TransferForged):
        next(chunks)


def test_given_a_signed_export_then_every_chunk_arrives_checked_and_in_order():
    client, name = redis.Redis.from_url(UNIT_REDIS_URL), uuid.uuid4().hex
    key = new_stream_key()
    writer, reader = Transfer(client, name, key=key), Transfer(client, name, key=key)
    writer._push(writer.chunks_key, b"done")
    writer._push(writer.chunks_key, b"dtwo")
    writer._push(writer.chunks_key, b"e")

    assert list(reader.read(peer="host worker")) == [b"one", b"two"]
