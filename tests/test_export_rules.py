"""Better BibTeX's export rules on items we make up from them (translators/bibtex/bibtex.ts,
biblatex.ts, entry.ts and content/extra.ts of zotero-better-bibtex): the DOI, entry types
from `extra`, preprints, chapters with a book author, and what `extra` says."""

from __future__ import annotations

from typing import Any

import pytest

from zotsync.adapters.bibtex import BibEntry, ExportOptions, bib_entry
from zotsync.app.export import zotero_fields


def entry(fmt: str = "bibtex", **item: Any) -> BibEntry:
    return bib_entry({"title": "A study", **item}, "k", ExportOptions(format=fmt), zotero_fields())


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_a_doi_stored_as_a_link_is_written_bare(fmt: str) -> None:
    made = entry(fmt, itemType="journalArticle", DOI="https://doi.org/10.1000/XYZ.1")
    assert made.get("doi") == "10.1000/XYZ.1"


@pytest.mark.parametrize(
    ("fmt", "item", "expected"),
    [
        # a report that says it is an article: Better BibTeX's preprint workaround, @misc
        ("bibtex", {"itemType": "report", "extra": "type: article"}, "misc"),
        ("biblatex", {"itemType": "report", "extra": "type: article"}, "article"),
        ("bibtex", {"itemType": "book", "extra": "tex.entrytype: proceedings"}, "proceedings"),
        ("bibtex", {"itemType": "book", "extra": "tex.referencetype: manual"}, "manual"),
        ("bibtex", {"itemType": "report", "extra": "type: paper-conference"}, "inproceedings"),
        ("bibtex", {"itemType": "patent"}, "patent"),
        ("bibtex", {"itemType": "encyclopediaArticle"}, "article"),
        ("biblatex", {"itemType": "film"}, "video"),
        ("biblatex", {"itemType": "statute"}, "legislation"),
    ],
)  # fmt: skip
def test_entry_types_follow_better_bibtex(fmt: str, item: dict[str, Any], expected: str) -> None:
    assert entry(fmt, **item).type == expected


def test_magazine_articles_get_an_entry_subtype_in_biblatex() -> None:
    made = entry("biblatex", itemType="magazineArticle", publicationTitle="Wired")
    assert (made.type, made.get("entrysubtype")) == ("article", "magazine")


def test_a_bibtex_preprint_keeps_its_repository_and_id() -> None:
    made = entry(itemType="preprint", repository="arXiv", archiveID="arXiv:2005.14017", date="2020")
    assert made.type == "misc"
    assert (made.get("publisher"), made.get("number")) == ("arXiv", "arXiv:2005.14017")
    assert made.get("eprint") == "2005.14017"


def test_a_chapter_with_a_book_author_is_inbook() -> None:
    creators = [
        {"creatorType": "author", "lastName": "Smith", "firstName": "A"},
        {"creatorType": "bookAuthor", "lastName": "Jones", "firstName": "B"},
    ]
    assert entry(itemType="bookSection", creators=creators).type == "inbook"


def test_what_extra_says_is_read_as_better_bibtex_reads_it() -> None:
    extra = "\n".join(
        [
            "tex.howpublished: Printed by hand & co",  # escaped
            "tex.note= {\\em raw}",  # "=": raw LaTeX, as written
            "tex.mr: 1234",  # Better BibTeX's names for MR and zbMATH numbers
            "publisher: From Extra",  # a Zotero field the item lacks
            "editor: Doe || Jane",  # a creator
            "OCLC: 851377291",  # nothing reads this: annotation
            "zotsync-id: seq/a-study",  # zotsync's own marker: not the paper's
            "Citation Key: smith2020",
        ]
    )
    made = entry(itemType="book", extra=extra)
    assert made.get("howpublished") == "Printed by hand \\& co"
    assert made.get("note") == "{\\em raw}"
    assert made.get("mrnumber") == "1234"
    assert made.get("publisher") == "From Extra"
    assert made.get("editor") == "Doe, Jane"
    assert made.get("annotation") == "OCLC: 851377291"


def test_an_item_field_wins_over_extra_and_a_tex_field_over_the_item() -> None:
    made = entry(
        itemType="book",
        publisher="Own",
        extra="publisher: From Extra\ntex.title: Kept as is",
    )
    assert made.get("publisher") == "Own"
    assert made.get("title") == "Kept as is"
