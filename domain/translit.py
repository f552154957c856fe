"""Cyrillic to Latin for an SMS: a Latin (GSM-7) part holds 160 characters, a Cyrillic one 70.

Ukrainian by the national rule of 2010 (Cabinet of Ministers resolution 55), simplified: no
position-dependent forms; Russian letters Ukrainian lacks by the common passport style.
"""
from __future__ import annotations

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "ʼ": "",
    # Russian
    "ё": "e", "ы": "y", "э": "e", "ъ": "",
}
#: what GSM-7 cannot carry, in words it can
_PUNCTUATION = {"—": "-", "–": "-", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "…": "...",
                "№": "N", "\u00a0": " ", "₴": "UAH"}


def latin(text: str) -> str:
    """"Квіти Оксани" → "Kvity Oksany"; what stays outside ASCII after that is dropped."""
    out = []
    for char in text:
        low = char.lower()
        if low in _LETTERS:
            latin_char = _LETTERS[low]
            out.append(latin_char.capitalize() if char != low else latin_char)
        else:
            out.append(_PUNCTUATION.get(char, char))
    return "".join(c for c in "".join(out) if c.isascii() and (c.isprintable() or c == " "))
