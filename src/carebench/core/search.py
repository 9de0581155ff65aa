"""What a search looks for: the words of the text as typed, whatever else it holds."""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: quotes, dashes, stars, colons, brackets and spaces only separate words."""


def search_words(text: str) -> list[str]:
    """The words a search looks for, in the order typed: ``"cut-over" (NOT ready)*`` gives cut, over, NOT, ready.

    Search syntax (AND, OR, NOT, quotes, prefixes, column names) is never read from the text:
    every word is a word, so nothing a user types can make a search fail.
    """
    return WORD.findall(text)
