"""Shrink-to-fit: the type size (and line breaks) of a badge's text, measured with the
fonts WeasyPrint will draw it with.

Fonts are found through fontconfig, as WeasyPrint (Pango) finds them, in the order of
the badge's CSS ``font-family``: Noto Sans for Latin and Cyrillic, Noto Sans CJK JP for
Japanese (and Chinese and Korean), DejaVu Sans for what neither has. Each character is
measured in the first of them that has a glyph for it (fontTools reads the character
maps, Pillow measures the advance widths), which is the fallback Pango does.

A field is set on one line as large as fits, down to its layout's smallest size; below
that it wraps to two lines (broken between words, or between characters in scripts
written without spaces) at a size up to halfway between its smallest and largest. If
even two lines at the smallest size are too wide, the text is set smaller still (down
to ``FLOOR_PT``, then wrapped further by the browser engine) and reported: nothing is
ever cut off, and nothing shrinks past the smallest size unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from fontTools.ttLib import TTFont
from PIL import ImageFont

#: The CSS ``font-family`` of badges, first choice first.
FAMILIES = ("Noto Sans", "Noto Sans CJK JP", "DejaVu Sans")
#: Text is never set smaller than this, whatever its box.
FLOOR_PT = 5.0
#: Room left for differences between Pillow's and HarfBuzz's advances (kerning, hinting).
SAFETY = 0.96
#: Sizes are rounded down to this step (pt).
STEP_PT = 0.25
_MEASURE_SIZE = 100


@dataclass(frozen=True)
class Fitted:
    """How one field is set: its size, its lines, and whether it fit its box."""

    size_pt: float
    lines: tuple[str, ...]
    fits: bool = True
    #: Even the smallest size on two lines was too wide: the engine wraps it further.
    overflows: bool = False


@dataclass(frozen=True)
class _Face:
    font: ImageFont.FreeTypeFont
    codepoints: frozenset[int]


@lru_cache(maxsize=16)
def _face(family: str, bold: bool) -> _Face | None:
    """The font file fontconfig picks for ``family``, loaded once per process."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:bold" if bold else f"{family}:regular"
    found = subprocess.run(
        ["fc-match", "--format=%{family}\n%{file}\n%{index}", pattern],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    if len(found) < 3 or family.casefold() not in found[0].casefold():
        return None
    path, index = found[1], int(found[2] or 0)
    font = TTFont(path, fontNumber=index, lazy=True)
    codepoints = frozenset(font.getBestCmap())
    font.close()
    return _Face(ImageFont.truetype(path, _MEASURE_SIZE, index=index), codepoints)


def _faces(bold: bool) -> list[_Face]:
    return [face for family in FAMILIES if (face := _face(family, bold)) is not None]


@lru_cache(maxsize=20_000)
def _advance(char: str, bold: bool) -> float:
    """Width of one character at 1 pt, in the first font that has it."""
    faces = _faces(bold)
    if not faces:
        return 0.0
    code = ord(char)
    face = next((f for f in faces if code in f.codepoints), faces[-1])
    return face.font.getlength(char) / _MEASURE_SIZE


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` set in ``size_pt`` (points), with per-character font fallback.

    The sum of the characters' advances: kerning and ligatures only ever make the
    drawn text narrower, so this errs on the side of fitting."""
    return sum(_advance(char, bold) for char in text) * size_pt


def _round_down(size: float) -> float:
    return int(size / STEP_PT) * STEP_PT


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _two_lines(text: str, bold: bool) -> tuple[str, str, float]:
    """The break into two lines whose wider line is narrowest (its width at 1 pt).

    Lines break after a space, a hyphen or a slash, or next to a wide (CJK)
    character; a text with no such place (one very long word) breaks anywhere."""
    breaks = [
        i
        for i in range(1, len(text))
        if text[i - 1] in " -/" or text[i] == " " or _wide(text[i - 1]) or _wide(text[i])
    ] or list(range(1, len(text)))
    advances = [_advance(char, bold) for char in text]
    total = sum(advances)
    prefix, widths = 0.0, {}
    for i, advance in enumerate(advances[:-1], start=1):
        prefix += advance
        widths[i] = prefix
    best = min(breaks, key=lambda i: max(widths[i], total - widths[i]))
    first, second = text[:best].strip(), text[best:].strip()
    return first, second, max(text_width(first, 1, bold), text_width(second, 1, bold))


def fit_text(
    text: str, width_mm: float, max_pt: float, min_pt: float, *, bold: bool = False, lines: int = 2
) -> Fitted:
    """Set ``text`` into a box ``width_mm`` wide: one line if it fits at ``min_pt`` or
    larger, else (when ``lines`` is 2) two lines; ``fits`` is False when it did not."""
    text = " ".join(text.split())
    if not text:
        return Fitted(max_pt, ())
    room = width_mm * 72 / 25.4 * SAFETY
    one = text_width(text, 1, bold)
    if one <= 0:
        return Fitted(max_pt, (text,))
    size = min(max_pt, room / one)
    if size >= min_pt:
        return Fitted(_round_down(size), (text,))
    if lines < 2 or len(text) < 2:
        return _too_long(room / one, (text,))
    first, second, widest = _two_lines(text, bold)
    size = min((max_pt + min_pt) / 2, room / widest)
    if size >= min_pt:
        return Fitted(_round_down(size), (first, second))
    return _too_long(room / widest, (first, second))


def _too_long(size: float, lines: tuple[str, ...]) -> Fitted:
    if size >= FLOOR_PT:
        return Fitted(_round_down(size), lines, fits=False)
    return Fitted(FLOOR_PT, lines, fits=False, overflows=True)
