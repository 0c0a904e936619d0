"""Code-point offsets (Python) to UTF-16 code units (JavaScript), the API's unit."""
from __future__ import annotations

from bisect import bisect_left


class Utf16Map:
    """Maps code-point indexes of one text to UTF-16 indexes; O(1) when the text has no astral characters."""

    def __init__(self, text: str):
        # Characters above U+FFFF take two UTF-16 units; a lone surrogate from JSON takes one, as in JS.
        self.astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []

    def __call__(self, index: int) -> int:
        if not self.astral:
            return index
        return index + bisect_left(self.astral, index)
