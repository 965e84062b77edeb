"""How a list writes a paper's venue and year (pure, stdlib only): ``ICLR 2021``,
``CVPR2019``, ``ICCV' 17``, ``(2015)``, a citation's ``arXiv preprint arXiv:1805.03508
(2018)`` or ``International Journal of Computer Vision 123.1 (2017): 32-73``."""

from __future__ import annotations

import re

YEAR = re.compile(r"(?<![\d.:/])(1[89]\d\d|20\d\d)(?!\d|\.\d)")
_VENUE_YEAR = re.compile(r"([^\d]*[^\d\s(]) (1[89]\d\d|20\d\d)\Z")


_PRESENTATION = re.compile(
    r"^(.*\S)[ \t]+\(?(?:oral|spotlight|poster|highlight|best paper(?: award)?)\)?\Z",
    re.IGNORECASE,
)
_PRESENTATION_WORDS = ("oral", "spotlight", "poster", "highlight", "paper", "award")
_SHORT_YEAR = re.compile(r"^(.*[^\d\s'’])[ \t]*['’][ \t]?(\d\d)\Z")  # "ICCV' 17", "CVPR'19"


def parse_date(text: str) -> tuple[str, int | None, str | None]:
    """(venue, year, date form) of a date text (see :func:`_parse_date`); a presentation
    kind after the venue (``ICCV Oral``, ``ECCV 2020 (Spotlight)``) is no part of it, and
    ``ICCV' 17`` is ICCV 2017 (neither has a form that writes it back)."""
    venue, year, form = _parse_date(text)
    if year is None and (short := _SHORT_YEAR.match(venue)) is not None:
        venue, year, form = short.group(1), 2000 + int(short.group(2)), None
        if year > 2000 + _CENTURY_TURN:
            year -= 100
    presented = venue.rstrip(" \t)").lower().endswith(_PRESENTATION_WORDS)
    if presented and (kind := _PRESENTATION.match(venue)) is not None:
        venue, form = kind.group(1), None
    return venue, year, form


_CENTURY_TURN = 40  # "'39" is 2039, "'41" is 1941


def _parse_date(text: str) -> tuple[str, int | None, str | None]:
    """(venue, year, date form) of a date text; the form is None if no form writes it back.

    A citation's date says more than venue and year (``arXiv preprint arXiv:1805.03508
    (2018)``, ``International Journal of Computer Vision 123.1 (2017): 32-73``, ``Proc. of
    ACM MM. ACM 2020``): the venue is the name before the year without the archive number,
    volume or publisher, and the form keeps those literally (:func:`_cited_form`).
    """
    common = _VENUE_YEAR.match(text)
    venue_text = common.group(1) if common is not None else ""
    if common is not None and not venue_text.endswith(",") and not _cited_extra(venue_text):
        # the usual "ICLR 2021": the general rules below give the same
        venue = common.group(1)
        if _closing_period(venue):  # "Proc. IJCAI. 2017"
            return venue[:-1], int(common.group(2)), "{venue}. {year}"
        return venue, int(common.group(2)), "{venue} {year}"
    matches = list(YEAR.finditer(text))
    if not matches:
        return text, None, "{venue}"
    if len(matches) == 1:
        simple = _simple_date(text, matches[0])
        if simple is not None:
            return simple
    for found in matches:
        cited = _cited_form(text, found)
        if cited is not None:
            return cited
    found = matches[-1]
    before, after = text[: found.start()], text[found.end() :]
    venue = " ".join((before + " " + after).replace("()", " ").split())
    return venue, int(found.group(1)), None


def _simple_date(text: str, found: re.Match[str]) -> tuple[str, int, str | None] | None:
    year = int(found.group(1))
    before, after = text[: found.start()], text[found.end() :]
    if before == "(" and after == ")":
        return "", year, "({year})"
    if not before and not after:
        return "", year, "{year}"
    if not after:
        for suffix, form in ((", ", "{venue}, {year}"), (" ", "{venue} {year}")):
            venue = before[: -len(suffix)]
            if before.endswith(suffix) and venue and not _cited_extra(venue.rstrip(" ,")):
                return venue, year, form
    if after == ")" and before.endswith(" (") and len(before) > 2 and not _cited_extra(before[:-2]):
        return before[:-2], year, "{venue} ({year})"
    if not before and after.startswith(" ") and len(after) > 1:
        return after[1:], year, "{year} {venue}"
    return None


# What a citation writes between the venue's name and the year: an archive number, a
# volume and issue, pages; and a publisher after the name ("Vision. Springer, Cham, 2016").
_LOCATOR = re.compile(
    r"(?:[ \t,]+(?:arXiv:\d{4}\.\d{4,5}(?:v\d+)?|abs/\d{4}\.\d{4,5}(?:v\d+)?"
    r"|(?:vol|no|pp)\.?[ \t]*\d[\d–-]*|\d{1,4}(?:\.\d{1,3})?(?:[ \t]*\(\d{1,3}\))?))+\Z",
    re.IGNORECASE,
)
_PUBLISHER = re.compile(
    r"[.,][ \t]+(?:ACM|IEEE|Springer|Elsevier|PMLR|AAAI Press|MIT Press|Curran Associates"
    r"|OpenReview\.net)(?:,?[ \t]+(?:Cham|Inc\.?|Press|Publishing|International Publishing))*\Z"
)
_AFTER_YEAR = re.compile(r"\)?(?:[.,:;/].*)?\Z", re.DOTALL)


def _cited_extra(venue: str) -> bool:
    """Whether a venue text ends in a number or a publisher a citation adds to the name."""
    # A locator ends in a digit, a ")" or a dash ("pp. 32-"): only then is it looked for.
    ends_like_locator = venue[-1:].isdigit() or venue.endswith((")", "-", "–"))
    return bool((ends_like_locator and _LOCATOR.search(venue)) or _PUBLISHER.search(venue))


def _closing_period(venue: str) -> bool:
    """Whether a venue's final period closes a citation's sentence (``Proc. IJCAI.``,
    ``Vision.``), not an abbreviation (``Adv. Neural Inf. Process. Syst.``)."""
    if not venue.endswith(".") or venue.endswith(".."):
        return False
    last = venue[:-1].rsplit(None, 1)[-1].strip("()")
    return ". " not in venue[:-1] or (last.isupper() and len(last) > 1)


def _cited_form(text: str, found: re.Match[str]) -> tuple[str, int, str] | None:
    """(venue, year, form) when the text after the year is punctuation (or nothing) and the
    text before it names a venue; the form writes back everything else literally."""
    before, after = text[: found.start()], text[found.end() :]
    if not _AFTER_YEAR.match(after):
        return None
    venue = before.rstrip(" \t(,;–-")
    venue = _LOCATOR.sub("", venue)
    venue = _PUBLISHER.sub("", venue).rstrip(" \t,;")
    if _closing_period(venue):
        venue = venue[:-1]
    if not venue or not any(c.isalpha() for c in venue) or "\n" in venue:
        return None
    middle = before[len(venue) :]
    form = "{venue}" + _literal(middle) + "{year}" + _literal(after)
    return venue, int(found.group(1)), form


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
