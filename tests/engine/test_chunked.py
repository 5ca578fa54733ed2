"""HTTP chunked transfer coding undone however the socket reads cut it."""

from engine.chunked import ChunkedDecoder

BODY = b"5\r\nhello\r\n1;ext=1\r\n \r\nb\r\nworld, 1234\r\n0\r\n\r\n"


def test_given_a_whole_body_then_the_payload_comes_out_and_it_is_done():
    decoder = ChunkedDecoder()

    assert decoder.feed(BODY) == b"hello world, 1234"
    assert decoder.done


def test_given_the_body_cut_at_every_byte_then_the_payload_is_the_same():
    decoder = ChunkedDecoder()

    payload = b"".join(decoder.feed(BODY[i : i + 1]) for i in range(len(BODY)))

    assert payload == b"hello world, 1234"
    assert decoder.done


def test_given_the_last_chunk_then_whatever_follows_is_ignored():
    decoder = ChunkedDecoder()
    decoder.feed(b"2\r\nok\r\n0\r\n\r\n")

    assert decoder.feed(b"3\r\nnot\r\n") == b""
