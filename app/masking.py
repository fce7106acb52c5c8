"""Masking (脱敏) of personal data for screens, paper and log lines.

The ``mask_*`` helpers shorten one known value; :func:`scrub_text` finds ID numbers and mobile
numbers inside free text. Masks keep just enough for a clerk to tell two people apart and never
the whole birth date of an ID number.
"""

from __future__ import annotations

import re

_MASK = "*"
_NAME_SEPARATORS = frozenset(" ·•.")


def mask_id_number(s: str) -> str:
    """Keep the first 4 and last 4 characters: "340823199001011234" → "3408**********1234".

    Anything of 8 characters or fewer is masked entirely, since 4+4 would reveal all of it.
    """
    value = s.strip()
    if len(value) <= 8:
        return _MASK * len(value)
    return value[:4] + _MASK * (len(value) - 8) + value[-4:]


def mask_name(s: str) -> str:
    """Keep the first character: "张三" → "张*", "欧阳娜娜" → "欧***".

    Name separators (the middle dot of 维吾尔 names, spaces) stay so the shape still reads as a
    name; a one-character value is masked entirely.
    """
    value = s.strip()
    if len(value) <= 1:
        return _MASK * len(value)
    return value[0] + "".join(c if c in _NAME_SEPARATORS else _MASK for c in value[1:])


def mask_phone(s: str) -> str:
    """Keep the first 3 and last 4 digits: "13812345678" → "138****5678".

    Shorter values (7 characters or fewer) keep only their last 2 characters.
    """
    value = s.strip()
    if len(value) <= 2:
        return _MASK * len(value)
    if len(value) <= 7:
        return _MASK * (len(value) - 2) + value[-2:]
    return value[:3] + _MASK * (len(value) - 7) + value[-4:]


def mask_bank_card(s: str) -> str:
    """Keep the last 4 digits: "6222021234567890123" → "***************0123" (separators dropped)."""
    value = "".join(s.split()).replace("-", "")
    if len(value) <= 4:
        return _MASK * len(value)
    return _MASK * (len(value) - 4) + value[-4:]


# One pass over the text; the look-arounds keep a match from being part of a longer digit run
# (a 19-digit card number is not an ID number). An ID ending in X ends its digit run at the X,
# so only the left side is checked for it.
_SENSITIVE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<id18>\d{17}[Xx]|\d{18}(?!\d))"
    r"|(?P<id15>\d{15}(?!\d))"
    r"|(?P<mobile>(?:(?:\+|00)?86[- ]?)?1[3-9]\d{9}(?!\d))"
    r")",
    re.ASCII,
)
_CANDIDATE = re.compile(r"[0-9]{11}")


def _replace(match: re.Match[str]) -> str:
    found = match.group(0)
    if match.group("mobile") is not None:
        # Keep a country prefix as typed; mask the 11-digit number itself.
        return found[:-11] + mask_phone(found[-11:])
    return mask_id_number(found)


def scrub_text(text: str) -> str:
    """Replace every ID number (18 or 15 characters) and mobile number in ``text`` by its mask.

    Used by the log filter, so lines without a long digit run cost one cheap scan.
    """
    # Most log lines hold no run of 11 digits; this scan is ten times cheaper than the full pattern.
    if _CANDIDATE.search(text) is None:
        return text
    return _SENSITIVE.sub(_replace, text)
