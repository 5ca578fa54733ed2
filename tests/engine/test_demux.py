"""Docker's multiplexed log framing, parsed from bytes however the chunks split them."""

import struct

from engine.demux import Demuxer, TextDecoder


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_given_frames_of_both_streams_when_fed_at_once_then_each_comes_out_with_its_stream():
    data = frame(1, b"out 1\n") + frame(2, b"err 1\n") + frame(1, b"out 2\n")

    assert Demuxer().feed(data) == [("stdout", b"out 1\n"), ("stderr", b"err 1\n"), ("stdout", b"out 2\n")]


def test_given_a_frame_split_anywhere_when_fed_byte_by_byte_then_it_comes_out_whole_once():
    data = frame(2, b"a line that is split\n") + frame(1, b"next\n")
    demuxer = Demuxer()

    frames = [f for i in range(len(data)) for f in demuxer.feed(data[i : i + 1])]

    assert frames == [("stderr", b"a line that is split\n"), ("stdout", b"next\n")]
    assert demuxer.pending == 0


def test_given_an_unfinished_frame_then_it_waits_for_the_rest():
    demuxer = Demuxer()
    data = frame(1, b"hello\n")

    assert demuxer.feed(data[:10]) == []
    assert demuxer.pending == 10
    assert demuxer.feed(data[10:]) == [("stdout", b"hello\n")]


def test_given_an_empty_frame_then_it_is_skipped():
    assert Demuxer().feed(frame(1, b"") + frame(2, b"x")) == [("stderr", b"x")]


def test_given_a_tty_then_bytes_pass_through_as_stdout_even_if_they_look_like_headers():
    data = frame(2, b"not really a frame")

    assert Demuxer(tty=True).feed(data) == [("stdout", data)]


def test_given_a_character_split_across_frames_when_decoded_then_it_is_kept_whole():
    text = TextDecoder()
    encoded = "naïve ✓\n".encode()

    first = text.decode("stdout", encoded[:3])
    second = text.decode("stdout", encoded[3:])

    assert first + second == "naïve ✓\n"
    assert first == "na"


def test_given_invalid_utf8_then_it_becomes_a_replacement_character_and_each_stream_decodes_apart():
    text = TextDecoder()

    assert text.decode("stdout", b"bad \xff byte\n") == "bad \ufffd byte\n"
    assert text.decode("stderr", b"\xe2\x9c") == ""
    assert text.decode("stdout", b"ok\n") == "ok\n"
    assert text.flush() == [("stderr", "\ufffd")]


def test_a_console_reads_the_payloads_joined_whatever_the_chunks_cut():
    demuxer = Demuxer()
    stream = frame(1, b"hello ") + frame(2, b"") + frame(2, b"world")

    read = [demuxer.payload(stream[i : i + 5]) for i in range(0, len(stream), 5)]

    assert b"".join(read) == b"hello world"
    assert read[0] == b""  # a header alone gives nothing yet
    assert demuxer.pending == 0


def test_a_tty_console_passes_its_bytes_through():
    assert Demuxer(tty=True).payload(b"\x01\x00\x00\x00raw") == b"\x01\x00\x00\x00raw"
