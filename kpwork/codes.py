"""Municipality codes (kód obce) as kpwork keeps them: 6-digit text."""

from __future__ import annotations

from kpwork.errors import InvalidParameter


def as_kod_obce(value: str | int) -> str:
    """A municipality code as 6-digit text, from text or from an int.

    ``papermill -p kod_obce 585599`` passes an int; codes never lose a
    leading zero that way because every ČSÚ municipality code has six digits
    starting with 5, but an int below 100000 is padded all the same.

    Examples
    --------
    >>> as_kod_obce(585599)
    '585599'
    >>> as_kod_obce(" 585599 ")
    '585599'
    """
    if isinstance(value, bool):
        raise InvalidParameter(f"kod_obce must be a 6-digit code, got {value!r}")
    text = str(value).strip()
    if isinstance(value, int):
        text = text.zfill(6)
    if len(text) != 6 or not text.isdigit():
        raise InvalidParameter(f"kod_obce must be a 6-digit code, got {value!r}")
    return text
