"""NISS (national register or BIS number) helpers on top of python-stdnum."""

from __future__ import annotations

import re

from stdnum.be import ssn


def compact_niss(value: str) -> str:
    """Digits only (what is stored)."""
    return re.sub(r"\D", "", value or "")


def format_niss(value: str) -> str:
    """``YY.MM.DD-SSS.CC`` for display; unchanged if it is not 11 digits."""
    digits = compact_niss(value)
    if len(digits) != 11:
        return value or ""
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}"


def is_valid_niss(value: str) -> bool:
    return ssn.is_valid(compact_niss(value))
