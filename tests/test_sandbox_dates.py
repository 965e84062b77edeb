"""The sandbox's port of Zotero_Date (dataserver model/Date.inc.php), as properties.

The HTTP tests in test_dataserver_rules.py pin the dataserver's own cases; these check the
rules on dates we generate: every typed date in a format Zotero reads comes back as its
year, month and day, and nothing typed ever gives a malformed ``parsedDate``.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from zotsync.sandbox.dates import is_multipart, parsed_date, sql_date, str_to_multipart

MONTHS = (
    "January February March April May June July August September October November December"
).split()

years = st.integers(min_value=1000, max_value=9999)
months = st.integers(min_value=1, max_value=12)
days = st.integers(min_value=1, max_value=28)


@given(years, months, days)
def test_iso_us_and_worded_dates_give_their_day(year: int, month: int, day: int) -> None:
    expected = f"{year}-{month:02d}-{day:02d}"
    name = MONTHS[month - 1]
    for typed in (
        expected,
        f"{year}/{month}/{day}",
        f"{month}/{day}/{year}",
        f"{name} {day}, {year}",
        f"{day} {name} {year}",
        f"{name[:3]}. {day}th {year}",
    ):
        assert parsed_date(typed) == expected, typed


@given(years, months)
def test_a_month_and_year_give_the_month(year: int, month: int) -> None:
    name = MONTHS[month - 1]
    assert parsed_date(f"{name} {year}") == f"{year}-{month:02d}"
    assert parsed_date(f"{year}-{month:02d}") == f"{year}-{month:02d}"


@given(years, st.sampled_from(["Spring", "Winter", "(in press)", "ca.", ""]))
def test_a_year_among_words_gives_the_year(year: int, words: str) -> None:
    assert parsed_date(f"{words} {year}") == str(year)


@given(st.text(max_size=40))
def test_any_text_gives_a_well_formed_parsed_date_or_none(text: str) -> None:
    parsed = parsed_date(text)
    assert re.fullmatch(r"(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)?", parsed), parsed
    multipart = str_to_multipart(text)
    if multipart:
        assert multipart.endswith(" " + text)
        assert re.match(r"\d{4}-(0\d|1[0-2])-([0-2]\d|3[01]) ", multipart)
        assert sql_date(text) in (multipart[:10], "0000-00-00")


@given(years, months, days)
def test_a_stored_date_is_multipart_and_keeps_its_year(year: int, month: int, day: int) -> None:
    multipart = str_to_multipart(f"{MONTHS[month - 1]} {day}, {year}")
    assert is_multipart(multipart)
    assert not is_multipart(f"{year}-{month:02d}-{day:02d} no year here")
