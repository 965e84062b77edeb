"""Better BibTeX's citation-key formulas: each function and filter as Better BibTeX documents
it (site/data/citekeyformatters/*.json of zotero-better-bibtex) and as formatter.ts computes
it, the language's alternatives, its errors, postfixes, and keys that stay unique and stable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import run, snapshot
from zotsync.adapters.transliteration import install
from zotsync.core.citekeys import KeyAllocator, assign_keys, excel_column, valid_citation_key
from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry, Section
from zotsync.core.keyformula import FormulaError, compile_formula, upgrade
from zotsync.core.keyparts import KeyItem


def person(last: str, first: str = "", kind: str = "author") -> dict[str, str]:
    return {"creatorType": kind, "lastName": last, "firstName": first}


FIVE = [person(n) for n in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon")]
PAPER = {
    "title": "An awesome paper on JabRef",
    "date": "2021-05-02",
    "publicationTitle": "Journal of Things",
    "journalAbbreviation": "J. Things",
    "pages": "12-34",
    "volume": "7",
}


def key(formula: str, creators: list[dict[str, str]] | None = None, **fields: Any) -> str:
    item = KeyItem(tuple(creators if creators is not None else FIVE), {**PAPER, **fields})
    return compile_formula(formula).key(item)


@pytest.mark.parametrize(
    ("formula", "creators", "expected"),
    [
        # "The first n (default: all) characters of the m-th (default: first) author's last name"
        ("auth", FIVE, "Alpha"),
        ("auth(3)", FIVE, "Alp"),
        ("auth(0,2)", FIVE, "Beta"),
        ("auth(creator=editor)", [*FIVE, person("Ed", kind="editor")], "Ed"),
        # editors stand in for missing authors ("*": author, editor, translator, collaborator)
        ("auth", [person("Ed", kind="editor")], "Ed"),
        ("authors", FIVE[:3], "AlphaBetaGamma"),
        ("authors(2)", FIVE, "AlphaBeta"),
        ("authorsn(2)", FIVE, "AlphaBetaEtAl"),
        # alpha: one author three letters, two to four their initials, more: three and "+"
        ("authorsAlpha", FIVE[:1], "Alp"),
        ("authorsAlpha", FIVE[:4], "ABGD"),
        ("authorsAlpha", FIVE, "ABG+"),
        ("authorsAlpha", [person("van Gogh")], "Gog"),
        ("authIni(2)", FIVE[:3], "Al.Be.Ga"),
        ("authorIni", FIVE[:3], "Alpha.B.G"),
        ("authAuthEa", FIVE[:3], "Alpha.Beta.ea"),
        ("authEtAl", FIVE[:2], "AlphaBeta"),
        ("authEtAl", FIVE[:3], "AlphaEtAl"),
        ("authEtal2", FIVE[:3], "Alpha.etal"),
        ("authshort", FIVE[:1], "Alpha"),
        ("authshort", FIVE, "A.B.G+"),
        ("authorLast", FIVE, "Epsilon"),
        ("authForeIni", [person("Knuth", "Donald Ervin")], "D"),
    ],
)
def test_creator_functions(formula: str, creators: list[dict[str, str]], expected: str) -> None:
    assert key(formula, creators) == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("year", "2021"),
        ("shortyear", "21"),
        ("month", "may"),
        # title: the title's words without skip-words, as they are
        ("title", "awesomepaperJabRef"),
        # "The first n (default: 3) words of the title, capitalization to first m (default 0)"
        ("shorttitle", "awesomepaperJabRef"),
        ("shorttitle(3,3)", "AwesomePaperJabRef"),
        ("shorttitle(2,1)", "Awesomepaper"),
        ("veryshorttitle", "awesome"),
        ("veryshorttitle(1,1)", "Awesome"),
        ("journal", "J.Things"),
        ("journal(full)", "JournalofThings"),
        ("firstpage + lastpage", "1234"),
        ("type", "journalArticle"),
        ("Volume + Title.select(1,1)", "7An"),
        ('"x" + year', "x2021"),
    ],
)
def test_item_functions(formula: str, expected: str) -> None:
    assert key(formula) == expected


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("auth.lower", "alpha"),
        ("auth.upper", "ALPHA"),
        ('Title.condense("_")', "An_awesome_paper_on_JabRef"),
        ("Title.select(2,2)", "awesomepaper"),
        ("Title.select(-1)", "JabRef"),
        ("Title.substring(4,7)", "awesome"),
        # abbr: "the first character and subsequent characters following white space"
        ("Title.abbr", "AapoJ"),
        ("Title.abbr(2)", "AnawpaonJa"),
        ("Title.capitalize", "AnAwesomePaperOnJabRef"),
        ("Title.skipwords", "awesomepaperJabRef"),
        ('auth.prefix("_") + year', "_Alpha2021"),
        ('Extra.prefix("_") + year', "2021"),  # only a value that is not empty is prefixed
        ('auth.postfix("-") + year', "Alpha-2021"),
        # a string is replaced case-insensitively; a regular expression as JavaScript does
        ('Title.replace("AWESOME", "great")', "AngreatpaperonJabRef"),
        ('Title.replace(/[aeiou]/g, "")', "AnwsmpprnJbRf"),
        ('Title.replace(/[aeiou]/, "")', "AnwesomepaperonJabRef"),
        ('Extra.default("none")', "none"),
        ("Title.discard + year", "2021"),
        ("Volume.numeric + Title.numeric", "7"),
        ("Title.ascii", "AnawesomepaperonJabRef"),
        ("Title.lower.nopunct", "anawesomepaperonjabref"),
    ],
)
def test_filters(formula: str, expected: str) -> None:
    assert key(formula) == expected


def test_punctuation_dashes_and_folding() -> None:
    """nopunct keeps word-connecting dashes (nopunctordash drops them); a dash-connected
    title word is one word (Better BibTeX #619); accents and macrons fold to ASCII before
    words are split, so ``anuṣṭh(u)yā́`` is one word, ``Anusthuya``; other scripts are
    transliterated (``Ландау``)."""
    assert key("Title.nopunct", title="state-of-the-art, really!") == "state-of-the-artreally"
    assert key("Title.nopunctordash", title="state-of-the-art") == "stateoftheart"
    assert key("shorttitle(3,3)", title="Self-supervised learning of X") == "SelfsupervisedLearning"
    assert key("shorttitle(1,1)", title="anuṣṭh(u)yā́ ca") == "Anusthuya"
    install()
    assert key("auth", [person("Ландау")]) == "Landau"
    assert key("auth.fold", [person("Vũ Ngọc")]) == "VuNgoc"


def test_alternatives_and_tests() -> None:
    """ "|" and ";" try patterns in turn (the first that gives a key); "||" takes the first
    part that is not empty, "&&" the last if all are; a test that fails (type, len) skips."""
    assert key("Extra | year") == "2021"
    assert key("type(book) + auth | year") == "2021"
    assert key("type(journalArticle) + auth | year") == "Alpha"
    assert key("(ShortTitle || Title).condense") == "AnawesomepaperonJabRef"
    assert key("(Volume && auth) + year") == "Alpha2021"
    assert key("(Extra && auth) + year") == "2021"
    assert key('Extra ? "has" : "none"') == "none"
    assert key("auth.len('>', 10) + year | year") == "2021"
    assert key("auth + len('<', 3) | title.abbr") == "apJ"
    assert key("auth > 3") == "Alpha"
    assert key("auth;\n year;") == "Alpha"


def test_legacy_bracket_formulas_are_upgraded() -> None:
    assert upgrade("[auth:lower][shorttitle3_3][year]") == "auth.lower + shorttitle(3,3) + year"
    assert key("[auth:lower][year]") == "alpha2021"
    assert key("[auth:lower]_[year]") == "alpha_2021"
    assert upgrade("auth.replace(/[- ].*/, '')") == "auth.replace(/[- ].*/, '')"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("auth.lowr + year", "unknown filter 'lowr'"),
        ("nosuch + year", "unknown function 'nosuch'"),
        ("auth(1,2,3,4,5)", "too many positional arguments"),
        ("auth(", "expected an argument at the end"),
        ("auth + ", "expected a function or field name at the end"),
        ("Title(3)", "does not take arguments"),
        ("", "the formula is empty"),
        ("[auth:lower", "unbalanced brackets"),
        ("auth.replace(/[/, '')", "regular expression"),
    ],
)
def test_formulas_better_bibtex_refuses_are_refused(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message.replace("(", r"\(")):
        compile_formula(formula)


def test_postfixes_follow_the_formula() -> None:
    """a, b, … z, aa (Excel columns, as Better BibTeX counts); ``postfix("-%(n)s")`` numbers
    them; ``infix`` puts them where it stands."""
    assert [excel_column(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    allocator = KeyAllocator()
    made = compile_formula("auth + year").make(KeyItem(tuple(FIVE), PAPER))
    assert [allocator.allocate(made) for _ in range(3)] == ["Alpha2021", "Alpha2021a", "Alpha2021b"]
    numbered = compile_formula('auth + year + postfix("-%(n)s")').make(KeyItem(tuple(FIVE), PAPER))
    assert [allocator.allocate(numbered) for _ in range(2)] == ["Alpha2021-1", "Alpha2021-2"]
    middle = compile_formula("auth + infix + year").make(KeyItem(tuple(FIVE), PAPER))
    assert [allocator.allocate(middle) for _ in range(2)] == ["Alphaa2021", "Alphab2021"]


# --------------------------------------------------------------------------- properties

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøß -", min_size=1, max_size=12)


@st.composite
def entries(draw: Any, prefix: str) -> list[Entry]:
    count = draw(st.integers(min_value=1, max_value=12))
    made = []
    for n in range(count):
        title = draw(st.sampled_from(["Deep learning", "A survey", "Attention", ""])) + draw(words)
        author = draw(st.sampled_from([("J. Smith",), ("N. Vũ",), (), ("K. Lee", "S. Park")]))
        year = draw(st.sampled_from([None, 2019, 2020]))
        made.append(Entry(id=f"{prefix}-{n}", title=title, url="", authors=author, year=year))
    return made


def listing(items: list[Entry]) -> ReadingList:
    return ReadingList(frame=(), sections=(Section("s", ("S",), tuple(items)),))


FORMULAS = ["auth.lower + shorttitle(3,3) + year", "authorsAlpha + shortyear", "year"]


@given(entries("a"), entries("b"), st.sampled_from(FORMULAS))
def test_keys_stay_unique_and_stable_across_lists_and_reruns(
    first: list[Entry], second: list[Entry], formula_text: str
) -> None:
    formula = compile_formula(formula_text)
    allocator = KeyAllocator()
    one, _ = assign_keys(listing(first), allocator, formula)
    two, _ = assign_keys(listing(second), allocator, formula)
    keys = [e.citation_key for lst in (one, two) for _, e in lst.entries()]
    assert all(valid_citation_key(k) for k in keys)
    assert len({k.casefold() for k in keys}) == len(keys)
    # a re-run (another export, a new entry in the list) keeps every stored key
    grown = listing([*(e for _, e in one.entries()), *first[:1]])
    again, assigned = assign_keys(grown, KeyAllocator(keys), formula)
    kept = [e.citation_key for _, e in again.entries()][: len(first)]
    assert kept == [e.citation_key for _, e in one.entries()]
    assert len(assigned) == 1


# --------------------------------------------------------------------------- the commands


def test_exported_keys_stay_and_the_others_are_rekeyed(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With another formula, `check` reports (level info, exit 0 for that alone) and `keys`
    counts the keys it would not make; an export records its keys in exported-keys.txt;
    `keys --rekey` remakes only the keys never exported, `--dry-run` writes nothing."""
    monkeypatch.chdir(project)
    config = Path("zotsync.yaml")
    config.write_text("citekey: year + auth.lower\n" + config.read_text())
    entries = Path("entries/multimodal-sequence-learning")
    before = snapshot(entries)

    checked = run("check", "--list", "multimodal-sequence-learning", "--json")
    levels = {f["code"]: f["level"] for f in json.loads(checked.stdout)}
    assert levels.get("key-not-formula") == "info"
    planned = json.loads(run("keys", "--list", "multimodal-sequence-learning", "--json").stdout)
    would = planned[0]["would_rekey"]
    assert would and all(re.match(r"\d{4}", change["new"]) for change in would)
    assert snapshot(entries) == before

    exported = run("export", "--collection", "Research Areas/Multimodal Fusion", "-o", "f.bib")
    assert exported.exit_code == 0, exported.output
    ledger = set((entries / "exported-keys.txt").read_text().split("\n")[2:]) - {""}
    assert ledger and ledger <= {c["old"] for c in would} | ledger

    dry = run("keys", "--list", "multimodal-sequence-learning", "--rekey", "--dry-run")
    assert dry.exit_code == 0 and snapshot(entries) == {
        **before,
        "exported-keys.txt": (entries / "exported-keys.txt").read_bytes(),
    }
    done = run("keys", "--list", "multimodal-sequence-learning", "--rekey", "--json")
    changed = json.loads(done.stdout)[0]["rekeyed"]
    assert changed and not {c["old"] for c in changed} & ledger
    stored = {
        e["citation_key"]
        for path in entries.glob("sections/*.yaml")
        for e in yaml.safe_load(path.read_text())["entries"]
    }
    assert ledger <= stored  # what was exported is still there, as it was
    assert {c["new"] for c in changed} <= stored
    again = json.loads(run("keys", "--list", "multimodal-sequence-learning", "--json").stdout)
    assert again[0]["would_rekey"] == [] and again[0]["kept_exported"] == len(ledger)
