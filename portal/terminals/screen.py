"""A terminal's screen as it is now, rebuilt from the last bytes of its output with pyte (a VT100
emulator), and drawn again as escape sequences a fresh terminal (the watcher's xterm.js) turns
into the same screen: what someone who joins a session sees first, instead of a replay.

The screen is exact when the bytes rebuilt from reach back to a full redraw or a screen's worth of
lines, which the host worker's tail (wire.stream_watch) is sized for; pyte reads at about a
tenth of a megabyte a second, so only the last SCREEN_BYTES are read, on a thread.
"""

from __future__ import annotations

import pyte
from pyte.graphics import BG_AIXTERM, BG_ANSI, FG_AIXTERM, FG_ANSI

__all__ = ["SCREEN_BYTES", "screen_now"]

SCREEN_BYTES = 32 * 1024
# Where a redraw starts: reading from the last of these loses nothing of the screen.
REDRAWS = (b"\x1bc", b"\x1b[2J", b"\x1b[H\x1b[J", b"\x1b[?1049h")

_FG = {name: code for code, name in {**FG_ANSI, **FG_AIXTERM}.items()}
_BG = {name: code for code, name in {**BG_ANSI, **BG_AIXTERM}.items()}
_FLAGS = (("bold", 1), ("italics", 3), ("underscore", 4), ("blink", 5), ("reverse", 7), ("strikethrough", 9))


def _colour(value: str, named: dict[str, int], extended: int) -> list[str]:
    if value in named:
        return [str(named[value])]
    try:
        red, green, blue = int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        return []
    return [str(extended), "2", str(red), str(green), str(blue)]


def _style(char) -> str:
    codes = ["0", *(str(code) for name, code in _FLAGS if getattr(char, name))]
    codes += _colour(char.fg, _FG, 38) + _colour(char.bg, _BG, 48)
    return "\x1b[" + ";".join(codes) + "m"


def _start(data: bytes, whole: bool) -> bytes:
    """The bytes worth reading: from the last redraw within the last SCREEN_BYTES, or else from
    the first line start (unless `data` is the whole output, from its first byte)."""
    whole = whole and len(data) <= SCREEN_BYTES
    data = data[-SCREEN_BYTES:]
    redraw = max(data.rfind(mark) for mark in REDRAWS)
    if redraw >= 0:
        return data[redraw:]
    line = data.find(b"\n")
    return data[line + 1 :] if not whole and 0 <= line < len(data) - 1 else data


def screen_now(output: bytes, cols: int, rows: int, whole: bool = False) -> bytes:
    """Escape sequences that draw, on a fresh terminal of that size, the screen `output` left
    (`whole`: it is all the session's output, from its first byte)."""
    screen = pyte.Screen(max(1, cols), max(1, rows))
    pyte.ByteStream(screen).feed(_start(output, whole))
    parts = ["\x1b[0m\x1b[2J"]
    for y in range(screen.lines):
        line = screen.buffer[y]
        parts.append(f"\x1b[{y + 1};1H")
        style = None
        last = max((x for x, char in line.items() if char.data != " " or _style(char) != "\x1b[0m"), default=-1)
        for x in range(last + 1):
            char = line[x]
            if not char.data:  # the right half of a wide character
                continue
            if (now := _style(char)) != style:
                parts.append(now)
                style = now
            parts.append(char.data)
    parts.append(f"\x1b[0m\x1b[{screen.cursor.y + 1};{screen.cursor.x + 1}H")
    parts.append("\x1b[?25l" if screen.cursor.hidden else "\x1b[?25h")
    return "".join(parts).encode()
