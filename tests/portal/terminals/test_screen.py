"""The screen a watcher first sees: drawn on a fresh terminal, it is the screen the output left."""

import pyte

from portal.terminals.screen import SCREEN_BYTES, screen_now


def shown(data: bytes, cols: int, rows: int) -> tuple[list[str], tuple[int, int], pyte.Screen]:
    screen = pyte.Screen(cols, rows)
    pyte.ByteStream(screen).feed(data)
    return screen.display, (screen.cursor.x, screen.cursor.y), screen


def test_given_coloured_and_wide_output_when_redrawn_then_the_screen_and_cursor_are_the_same():
    output = b"hello\r\n\x1b[1;31mred\x1b[0m world\r\n\xe4\xbd\xa0\xe5\xa5\xbd wide\r\n$ \x1b[7mrev\x1b[0m"

    redrawn = screen_now(output, 20, 5, whole=True)

    want, cursor, _ = shown(output, 20, 5)
    got, got_cursor, screen = shown(redrawn, 20, 5)
    assert got == want and got_cursor == cursor
    assert screen.buffer[1][0].fg == "red" and screen.buffer[1][0].bold
    assert screen.buffer[3][2].reverse


def test_given_more_output_than_is_read_when_redrawn_then_the_last_screen_is_shown():
    output = b"".join(b"line %d\r\n" % n for n in range(20000))
    assert len(output) > SCREEN_BYTES

    got, _, _ = shown(screen_now(output, 30, 10), 30, 10)

    assert got == shown(output, 30, 10)[0]


def test_given_a_full_screen_program_when_it_redrew_then_what_came_before_is_not_needed():
    output = b"old stuff\r\n" * 50 + b"\x1b[H\x1b[2Jtop of a fresh screen\x1b[5;3Hhere"

    got, cursor, _ = shown(screen_now(output, 40, 8), 40, 8)

    assert got == shown(output, 40, 8)[0] and cursor == shown(output, 40, 8)[1]
