"""Dates as people read them, saying only what the source says.

A full date (``schema:startDate``) is written out; a partial one (EDTF, such as ``XXXX-07-29``:
29 July of an unstated year) is written with what is missing said aloud, never filled in.
"""

from __future__ import annotations

import re

from publisher.months import MONTHS

NO_YEAR = {"en": "year not stated in the source", "ru": "год в источнике не указан"}

_DATE = re.compile(r"^(?P<year>\d{4}|XXXX)(?:-(?P<month>\d{2}|XX)(?:-(?P<day>\d{2}|XX))?)?$")


def ui_language(language: str) -> str:
    """Dates are worded in English or Russian (Kazakh pages fall back to Russian)."""
    return "en" if language == "en" else "ru"


def format_date(value: str, language: str) -> str:
    """An ISO 8601 or EDTF date (``2024-07-29``, ``XXXX-07-29``, ``2024-07``) in words;
    anything else is returned as written."""
    match = _DATE.match(value.strip()[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else value.strip())
    if not match:
        return value
    lang = ui_language(language)
    year, month, day = match.group("year"), match.group("month"), match.group("day")
    known_year = year if year != "XXXX" else None
    month_number = int(month) if month and month != "XX" else None
    day_number = int(day) if day and day != "XX" else None
    if month_number is not None and not 1 <= month_number <= 12:
        return value
    parts: list[str] = []
    if month_number and day_number:
        if lang == "en":
            parts.append(f"{day_number} {MONTHS['en'][month_number - 1]}")
        else:
            parts.append(f"{day_number} {MONTHS['ru'][month_number - 1]}")
    elif month_number:
        parts.append(MONTHS["en" if lang == "en" else "ru-nominative"][month_number - 1])
    if known_year:
        parts.append(known_year if lang == "en" or not month_number else f"{known_year} г.")
        return " ".join(parts)
    if not parts:
        return value
    return f"{' '.join(parts)} ({NO_YEAR[lang]})"
