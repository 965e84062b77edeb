"""How the Zotero dataserver reads a free-text ``date`` (model/Date.inc.php, en-US locale).

The server stores every date field as a "multipart" string, ``YYYY-MM-DD <as typed>``,
built by ``strToDate``; ``meta.parsedDate``, ``sort=date`` and the year a quick search
matches all come from its first ten characters.  This is a line-by-line port, PHP's
quirks included (``empty("0")``, a two-digit year put in this or the last century, a
year that must reappear in the typed text), because a sandbox that parses dates more
cleverly than the real server would hide what users will see.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

_SLASH = re.compile(
    r"^(.*?)\b([0-9]{1,4})(?:([\-/.年])([0-9]{1,2}))?(?:([\-/.月])([0-9]{1,4}))?((?:\b|[^0-9]).*?)$"
)
_YEAR = re.compile(
    r"^(.*?)\b((?:circa |around |about |c\.? ?)?[0-9]{1,4}"
    r"(?: ?B\.? ?C\.?(?: ?E\.?)?| ?C\.? ?E\.?| ?A\.? ?D\.?)|[0-9]{3,4})\b(.*?)$",
    re.IGNORECASE,
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = re.compile(r"^(.*)\b(" + "|".join(_MONTH_NAMES) + r")[^ ]*(?: (.*)$|$)", re.IGNORECASE)
_DAY = re.compile(r"\b([0-9]{1,2})(?:st|nd|rd|th)?\b(.*)", re.IGNORECASE)
_MULTIPART = re.compile(r"^[0-9]{4}-(0[0-9]|10|11|12)-(0[0-9]|[1-2][0-9]|30|31) ")


def _empty(value: Any) -> bool:
    """PHP's ``empty``: "", "0", 0 and a missing value are empty."""
    return value in (None, "", "0", 0)


def str_to_date(text: str) -> dict[str, Any]:
    """Zotero_Date::strToDate: the year, month, day and leftover ``part`` of ``text``."""
    if _empty(text):
        return {}
    text = re.sub(r"\s+", " ", text.strip())
    date = _by_algorithm(text)
    if _empty(date.get("year")):
        match = _YEAR.match(date["part"])
        if match:
            date["year"], date["part"] = match.group(2), match.group(1) + match.group(3)
    if _empty(date.get("month")):
        match = _MONTH.match(date["part"])
        if match:
            date["month"] = _MONTH_NAMES.index(match.group(2).capitalize()) + 1
            date["part"] = match.group(1) + (match.group(3) or "")
    if _empty(date.get("day")):
        _take_day(date)
    part = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", date.get("part") or "")
    date.pop("part", None)
    if part:
        date["part"] = part
    return date


def _by_algorithm(text: str) -> dict[str, Any]:
    """The first pass: numbers with separators (ISO big-endian or US month/day/year)."""
    found = _SLASH.match(text)
    if not found:
        return {"part": text}
    m = [g or "" for g in found.groups()]
    before, first, sep1, second, sep2, third, after = m
    sane_separators = not sep2 or sep1 == sep2 or (sep1 == "年" and sep2 == "月")
    whole = (not _empty(first) and not _empty(second) and not _empty(third)) or (
        _empty(before) and _empty(after)
    )
    if not (sane_separators and whole):
        return {"part": text}
    if len(first) in (3, 4) or sep1 == "年":
        date: dict[str, Any] = {"year": first, "month": second, "day": third}
    else:
        date = {"year": third, "month": first, "day": second}
    for name in ("year", "day", "month"):
        if date[name] not in ("", "0"):
            date[name] = int(date[name])
    if not _empty(date["month"]) and date["month"] > 12:
        date["day"], date["month"] = date["month"], date["day"]
    month_ok = _empty(date["month"]) or date["month"] <= 12
    day_ok = _empty(date["day"]) or date["day"] <= 31
    if not (month_ok and day_ok):
        return {"part": text}
    if not _empty(date["year"]) and date["year"] < 100:
        date["year"] = _century_of(date["year"])
    date["part"] = before + after
    return date


def _century_of(two_digit_year: int) -> int:
    year = datetime.now(timezone.utc).year
    century = year - year % 100
    return (
        century + two_digit_year if two_digit_year <= year % 100 else century - 100 + two_digit_year
    )


def _take_day(date: dict[str, Any]) -> None:
    part = str(date.get("part") or "")
    match = _DAY.search(part)
    if not match or int(match.group(1)) > 31:
        return
    date["day"] = int(match.group(1))
    rest = match.group(2)
    if match.start() > 0:
        date["part"] = part[: match.start()] + ("" if _empty(rest) else " " + rest)
    else:
        date["part"] = rest


def str_to_multipart(text: str) -> str:
    """Zotero_Date::strToMultipart: ``YYYY-MM-DD <text>``, zeros where a part is unknown."""
    if _empty(text):
        return ""
    parts = str_to_date(text)
    year = str(parts.get("year", ""))
    if not re.fullmatch(r"[0-9]{1,4}", year) or _empty(year):
        year = "0000"
    month, day = _number(parts.get("month")), _number(parts.get("day"))
    month_text = f"{month:02d}" if 0 < month <= 12 else "00"
    day_text = f"{day:02d}" if 0 < day <= 31 else "00"
    return f"{year.zfill(4)}-{month_text}-{day_text} {text}"


def _number(value: Any) -> int:
    """A month or day read by strToDate (an int, or "" when not found) as a number."""
    return 0 if _empty(value) else int(value)


def is_multipart(text: str) -> bool:
    """Zotero_Date::isMultipart: ``YYYY-MM-DD <text>`` whose year reappears in the text."""
    if not _MULTIPART.match(text):
        return False
    return text[:4] == "0000" or text[:4] in text[11:]


def multipart_sql(multipart: str) -> str:
    """Zotero_Date::multipartToSQL: the date part, or 0000-00-00 when the year read is not
    in the typed text (so "Sept 18, 12" has no parsed date)."""
    if not multipart:
        return ""
    return multipart[:10] if is_multipart(multipart) else "0000-00-00"


def sql_date(text: str) -> str:
    """The ``YYYY-MM-DD`` the server sorts and searches a typed date by."""
    return multipart_sql(str_to_multipart(text))


def parsed_date(text: str) -> str:
    """``meta.parsedDate``: the SQL date without its zero parts ("" when no year was read)."""
    sql = sql_date(text)
    if not sql or sql.startswith("0000"):
        return ""
    year, month, day = sql.split("-")
    if month == "00":
        return year
    return f"{year}-{month}" if day == "00" else f"{year}-{month}-{day}"
