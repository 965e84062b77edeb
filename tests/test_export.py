"""`zotsync export`: Better BibTeX's expected output, the seeds, keys that never change, files
that parse back, and `--from zotero` against the sandbox."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import yaml
from bibtexparser.bparser import BibTexParser
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GROUP, SHARED, run, snapshot
from test_pull import ROOT, collection_key
from test_sync import library, sync
from zotsync.adapters.bibtex import BibEntry, ExportOptions, bib_entry, parse_date, render_bib
from zotsync.app.export import zotero_fields
from zotsync.core.citekeys import KeyAllocator, base_key

BBT = SHARED / "corpora" / "bbt-export"
FIXTURES = sorted(
    (json_path, json_path.with_suffix(f".{fmt}"))
    for json_path in BBT.glob("*.json")
    for fmt in ("bibtex", "biblatex")
    if json_path.with_suffix(f".{fmt}").exists()
)
SEQ = "multimodal-sequence-learning"
FUSION = "Research Areas/Multimodal Fusion"


def parse_bib(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries: list[dict[str, str]] = bibtexparser.loads(text, parser).entries
    return entries


def normal(value: object) -> str:
    return " ".join(str(value).split())


def options_of(config: dict[str, Any], fmt: str) -> ExportOptions:
    """The fixture's Better BibTeX preferences (Better BibTeX's defaults where unset)."""
    prefs = config["preferences"]
    skip = prefs.get("skipFields", "")
    return ExportOptions(
        format=fmt,
        url=prefs.get("bibtexURL", "off"),
        doi_and_url=prefs.get("DOIandURL", "both"),
        skip_fields=frozenset(f.strip() for f in skip.split(",") if f.strip()),
        notes=bool(config["options"].get("exportNotes", False)),
        ascii=prefs.get("asciiBibLaTeX"),
        date_order=config.get("localeDateOrder", "mdy"),
    )


def export_fixture(json_path: Path, fmt: str) -> str:
    data = json.loads(json_path.read_text())
    allocator = KeyAllocator()
    entries = []
    for item in data["items"]:
        key = item.get("citationKey") or allocator.allocate(
            base_key(item.get("creators", []), item.get("title", ""), item.get("date", ""))
        )
        entries.append(bib_entry(item, key, options_of(data["config"], fmt), zotero_fields()))
    return render_bib(entries)


def compare(ours: list[dict[str, str]], theirs: list[dict[str, str]]) -> tuple[int, list[str]]:
    """(fields compared, differences) between our parsed export and Better BibTeX's.  Entries
    are matched by citation key, else (fixtures whose key formula is not ours) by title."""
    compared, differences = 0, []
    for expected in theirs:
        mine = next((e for e in ours if e["ID"] == expected["ID"]), None) or next(
            (e for e in ours if normal(e.get("title")) == normal(expected.get("title"))), None
        )
        if mine is None:
            differences.append(f"{expected['ID']}: missing")
            continue
        if mine["ENTRYTYPE"] != expected["ENTRYTYPE"]:
            differences.append(
                f"{expected['ID']}: @{mine['ENTRYTYPE']} for @{expected['ENTRYTYPE']}"
            )
        for name in sorted((set(expected) | set(mine)) - {"ID", "ENTRYTYPE"}):
            compared += 1
            if normal(mine.get(name)) != normal(expected.get(name)):
                differences.append(
                    f"{expected['ID']}.{name}: ours {mine.get(name)!r}, BBT {expected.get(name)!r}"
                )
    return compared, differences


@pytest.mark.parametrize(
    ("json_path", "expected"), FIXTURES, ids=[e.name[:40] for _, e in FIXTURES]
)
def test_better_bibtex_fixture_agrees_field_by_field(json_path: Path, expected: Path) -> None:
    fmt = expected.suffix[1:]
    ours = parse_bib(export_fixture(json_path, fmt))
    compared, differences = compare(ours, parse_bib(expected.read_text()))
    assert compared > 0
    assert differences == []  # no difference from Better BibTeX is accepted so far


def test_better_bibtex_agreement_overall() -> None:
    """Every entry type and at least 95 % of the fields (today: all of them) agree."""
    total, wrong = 0, 0
    for json_path, expected in FIXTURES:
        ours = parse_bib(export_fixture(json_path, expected.suffix[1:]))
        compared, differences = compare(ours, parse_bib(expected.read_text()))
        total += compared
        wrong += len(differences)
        assert not [d for d in differences if "@" in d or "missing" in d]
    assert len(FIXTURES) == 10 and total >= 150
    assert (total - wrong) / total >= 0.95


def test_default_key_formula_is_better_bibtex_s() -> None:
    """The fixture exported with BBT's default formula carries the key BBT gave it."""
    data = json.loads((BBT / "bbt-1538-unicode-oslash-in-author-name-is-exporte.json").read_text())
    assert data["config"]["preferences"]["citekeyFormat"].endswith("shorttitle(3,3) + year")
    item = data["items"][0]
    assert base_key(item["creators"], item["title"], item["date"]) == item["citationKey"]
    # Folding to ASCII, skip words, a missing year, a name-only creator:
    vu = [{"creatorType": "author", "firstName": "San", "lastName": "Vũ Ngọc"}]
    assert base_key(vu, "The état of the art: a survey", "2000-03") == "vungocEtatArtSurvey2000"
    # A dash-connected word is one word (Better BibTeX #619, formatter.ts ``split``).
    team = [{"creatorType": "author", "name": "OpenAI"}]
    assert base_key(team, "GPT-4 Technical Report", "") == "openaiGPT4TechnicalReport"


def test_clashing_keys_get_a_b_postfixes_and_claimed_keys_stay() -> None:
    allocator = KeyAllocator(["smithDeepLearning2020"])
    assert allocator.allocate("smithDeepLearning2020") == "smithDeepLearning2020a"
    assert allocator.allocate("smithDeepLearning2020") == "smithDeepLearning2020b"
    assert not allocator.claim("SMITHdeeplearning2020")  # keys compare without letter case
    assert allocator.claim("jonesX2021") and allocator.allocate("jonesX2021") == "jonesX2021a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-07-25", (2014, 7, 25)),
        ("2015-1-29", (2015, 1, 29)),
        ("September 2014", (2014, 9, None)),
        ("2/2016", (2016, 2, None)),
        ("12 Dec 2014", (2014, 12, 12)),
        ("March 3, 2019", (2019, 3, 3)),
        ("2015-02-12 13:26:38", (2015, 2, 12)),
        ("2021", (2021, None, None)),
        ("", None),
        ("no date", None),
    ],
)
def test_dates_as_zotero_users_write_them(text: str, expected: tuple[int, ...] | None) -> None:
    found = parse_date(text)
    assert (None if found is None else (found.year, found.month, found.day)) == expected


# --------------------------------------------------------------------------- the seeds


def exported(*args: str) -> str:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def by_key(text: str) -> dict[str, dict[str, str]]:
    return {e["ID"]: e for e in parse_bib(text)}


def test_seed_entries_export_with_the_right_types(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    entries = by_key(exported("--list", SEQ))
    # 112 entries: a paper listed twice with the same text, and one arXiv id under two
    # titles, each one item, exported once
    assert len(entries) == 110
    titles = {normal(e["title"]).replace("{", "").replace("}", ""): e for e in entries.values()}

    iclr = titles[
        "Understanding and Improving Encoder Layer Fusion in Sequence-to-Sequence Learning"
    ]
    assert iclr["ENTRYTYPE"] == "inproceedings"
    assert iclr["booktitle"] == "International {{Conference}} on {{Learning Representations}}"
    neurips = next(e for e in entries.values() if "Channel Exchanging" in e["title"])
    assert neurips["booktitle"] == "Advances in {{Neural Information Processing Systems}}"
    acl = next(e for e in entries.values() if "Efficient {{Low-rank" in e["title"])
    assert "{{Association}} for {{Computational Linguistics}}" in acl["booktitle"]
    arxiv = [e for e in entries.values() if "eprint" in e]
    assert arxiv and all(e["ENTRYTYPE"] == "misc" for e in arxiv)
    assert all(
        e["archiveprefix"] == "arXiv" and re.fullmatch(r"\d{4}\.\d{4,5}", e["eprint"])
        for e in arxiv
    )
    journal = next(e for e in entries.values() if "Boltzmann" in e["title"])
    assert journal["ENTRYTYPE"] == "article"
    assert journal["journal"] == "Journal of Machine Learning Research"
    # Entries with no URL (the seed's `()` links) export; so does one whose year is removed.
    assert [e for e in entries.values() if "url" not in e]
    fusion = Path("entries", SEQ, "sections", "research-areas--multimodal-fusion.yaml")
    fusion.write_text(fusion.read_text().replace("  year: 2021\n", "", 1))
    undated = by_key(exported("--list", SEQ))["UnderstandingImprovingEncoder2021"]
    assert "year" not in undated and undated["booktitle"]
    found = json.loads(run("check", "--list", SEQ, "--json").stdout)
    assert {"empty-url", "missing-year"} <= {f["code"] for f in found}


def test_the_committed_entries_have_keys_and_the_example_bib_is_current(
    project: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.chdir(project)
    before = snapshot(project / "entries")
    text = exported("--collection", FUSION)
    after = snapshot(project / "entries")
    ledger = after.pop(f"{SEQ}/exported-keys.txt").decode()
    before.pop(f"{SEQ}/exported-keys.txt", None)
    assert after == before  # every key was already stored; the export recorded its keys
    repo_example = Path(__file__).resolve().parents[1] / "examples" / "multimodal-fusion.bib"
    assert repo_example.read_text() == text
    assert len(by_key(text)) == 21
    assert {line for line in ledger.splitlines() if not line.startswith("#")} >= set(by_key(text))


def test_keys_are_stored_once_and_never_change(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("l.md").write_text(
        "# L\n\n## Papers\n\n"
        "- [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385), "
        "arXiv 2015\n"
    )
    assert run("init").exit_code == 0
    config = Path("zotsync.yaml").read_text()
    config = re.sub(r"markdown: .*", "markdown: l.md", config)
    Path("zotsync.yaml").write_text(config)
    assert run("ingest").exit_code == 0, run("ingest").output
    section = next(Path().glob("entries/*/sections/papers.yaml"))
    first = yaml.safe_load(section.read_text())["entries"][0]
    assert first["citation_key"] == "DeepResidualLearning2015"
    # The title changes, and a paper with the same base key arrives: the old key stays.
    text = section.read_text().replace("Deep Residual Learning", "Deep Residual Nets")
    text += (
        "\n- id: deep-residual-learning-2015-2\n"
        "  title: Deep Residual Learning for Image Recognition (talk)\n"
        "  year: 2015\n"
    )
    section.write_text(text)
    keys = by_key(exported())
    assert set(keys) == {"DeepResidualLearning2015", "DeepResidualLearning2015a"}
    assert "Nets" in keys["DeepResidualLearning2015"]["title"]
    stored = [e["citation_key"] for e in yaml.safe_load(section.read_text())["entries"]]
    assert stored == ["DeepResidualLearning2015", "DeepResidualLearning2015a"]


def test_output_is_deterministic_and_sorted(project: Path, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    for fmt in ("bibtex", "biblatex", "csljson"):
        first = exported("--format", fmt, "--list", SEQ)
        shutil.rmtree(Path("entries", SEQ, ".zotsync-cache"), ignore_errors=True)
        assert exported("--format", fmt, "--list", SEQ) == first  # same bytes, cold or warm
    keys = [e["ID"] for e in parse_bib(exported("--list", SEQ))]
    assert keys == sorted(keys, key=lambda k: (k.casefold(), k))
    csl = json.loads(exported("--format", "csljson", "--collection", FUSION))
    assert [i["id"] for i in csl] == sorted((i["id"] for i in csl), key=lambda k: (k.casefold(), k))
    paper = next(i for i in csl if i["title"].startswith("Dual Low-Rank"))
    assert paper["type"] == "paper-conference"
    assert paper["issued"] == {"date-parts": [[2020]]}
    assert paper["container-title"].startswith("Findings of the Association")
    assert paper["citation-key"] == paper["id"]


def test_the_export_cache_gives_the_bytes_of_a_cold_export(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Warm (each section file's blocks cached) == cold, also after an edit and a duplicate."""
    monkeypatch.chdir(project)
    cache = Path("entries", SEQ, ".zotsync-cache")

    def cold_and_warm(*args: str) -> str:
        shutil.rmtree(cache, ignore_errors=True)
        cold = exported(*args)
        assert (cache / f"export-{args[args.index('--format') + 1]}.json").exists()
        assert exported(*args) == cold
        return cold

    for fmt in ("bibtex", "csljson"):
        before = cold_and_warm("--list", SEQ, "--format", fmt)
        fusion = Path("entries", SEQ, "sections", "research-areas--multimodal-fusion.yaml")
        text = fusion.read_text()
        fusion.write_text(text.replace("Dual Low-Rank Multimodal Fusion", "Dual Low-Rank Fusion"))
        warm_after_edit = exported("--list", SEQ, "--format", fmt)
        new_title = "Dual {{Low-Rank Fusion}}" if fmt == "bibtex" else '"Dual Low-Rank Fusion"'
        assert warm_after_edit != before and new_title in warm_after_edit
        assert cold_and_warm("--list", SEQ, "--format", fmt) == warm_after_edit
        fusion.write_text(text)
    # A different --bibtex-url is another export (the options are part of the cache key).
    assert "note = {\\url{" in exported("--list", SEQ, "--format", "bibtex", "--bibtex-url", "note")


def test_user_errors_are_one_line_and_write_nothing(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    before = snapshot(project)
    result = run("export", "--collection", "Research Areas/Multimodal Fuson", "-o", "x.bib")
    assert result.exit_code == 2
    assert "no collection 'Research Areas/Multimodal Fuson'" in result.stderr
    assert "did you mean: 'Research Areas/Multimodal Fusion'" in result.stderr
    assert "Traceback" not in result.output and not Path("x.bib").exists()
    result = run("export", "--list", "nope")
    assert result.exit_code == 2 and "no list named 'nope'" in result.stderr
    result = run("export", "--json")
    assert result.exit_code == 2 and "give -o FILE" in result.stderr
    result = run("export")  # two lists: the whole list of which?
    assert result.exit_code == 2 and "give --list NAME" in result.stderr
    assert snapshot(project) == before


def test_dry_run_json_and_atomic_output(project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    result = run("export", "--collection", FUSION, "-o", "f.bib", "--dry-run", "--json")
    report = json.loads(result.stdout)
    assert report["dry_run"] and report["entries"] == 21 and not Path("f.bib").exists()
    result = run("export", "--collection", FUSION, "-o", "f.bib", "--format", "biblatex")
    assert result.exit_code == 0 and "wrote f.bib: 21 entries (biblatex)" in result.stderr
    assert all(
        e["ENTRYTYPE"] in ("inproceedings", "online", "article")
        for e in parse_bib(Path("f.bib").read_text())
    )
    assert not list(Path().glob("*.tmp*")) and not list(Path().glob(".f.bib*"))


# --------------------------------------------------------------------------- from Zotero


def test_from_zotero_matches_the_entries_and_adds_teammates_items(
    group_project: Path, sandbox
) -> None:  # type: ignore[no-untyped-def]
    sync()
    from_entries = exported("--collection", FUSION)
    assert exported("--collection", FUSION, "--from", "zotero") == from_entries
    lib = library(sandbox)
    items = lib["items"].values()
    assert all(d.get("citationKey") for d in items if d["itemType"] != "attachment")
    fusion = collection_key(lib, ROOT, "Research Areas", "Multimodal Fusion")
    sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "conferencePaper",
                "title": "Attention Bottlenecks for Multimodal Fusion",
                "proceedingsTitle": "Advances in Neural Information Processing Systems",
                "date": "2021-12-06",
                "creators": [
                    {"creatorType": "author", "firstName": "Arsha", "lastName": "Nagrani"}
                ],
                "collections": [fusion],
            }
        ],
    )
    sandbox.teammate_write(  # a paper whose key Better BibTeX gave in a teammate's Zotero
        GROUP,
        "item",
        [
            {
                "itemType": "preprint",
                "title": "Perceiver: General Perception with Iterative Attention",
                "date": "2021",
                "url": "https://arxiv.org/abs/2103.03206",
                "citationKey": "jaegle2021perceiver",
                "collections": [fusion],
            }
        ],
    )
    entries = by_key(exported("--collection", FUSION, "--from", "zotero"))
    assert entries["jaegle2021perceiver"]["eprint"] == "2103.03206"
    added = entries["nagraniAttentionBottlenecksMultimodal2021"]
    assert added["month"] == "December" and added["author"] == "Nagrani, Arsha"
    assert len(entries) == 23
    result = run("export", "--collection", "Research Areas/Nope", "--from", "zotero")
    assert result.exit_code == 2 and "no collection 'Research Areas/Nope'" in result.stderr
    # The next sync pulls the paper: its entry keeps the key the export showed.
    sync()
    # The entry holds what a list line says (no proceedings title for a venue-less item), so
    # its export is plainer than Zotero's; the key is the same, and Zotero's item is intact.
    ours = by_key(exported("--collection", FUSION))
    theirs = by_key(exported("--collection", FUSION, "--from", "zotero"))
    assert set(ours) == set(theirs)
    key = "nagraniAttentionBottlenecksMultimodal2021"
    assert (
        theirs[key]["ENTRYTYPE"] == "inproceedings" and ours[key]["title"] == theirs[key]["title"]
    )
    pulled = yaml.safe_load(
        Path("entries", SEQ, "sections", "research-areas--multimodal-fusion.yaml").read_text()
    )["entries"][-2:]
    assert {e["citation_key"] for e in pulled} == {key, "jaegle2021perceiver"}


# --------------------------------------------------------------------------- round trips

SPECIAL = "{}%&$#_~^\\"
text_st = st.text(
    alphabet=st.sampled_from(list(SPECIAL) + list("aZ9 -:,.'\"") + list("éøčŁß–“”…ọ")),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() != "")
name_st = st.fixed_dictionaries(
    {"creatorType": st.just("author"), "firstName": text_st, "lastName": text_st}
)
item_st = st.fixed_dictionaries(
    {
        "itemType": st.sampled_from(["journalArticle", "conferencePaper", "preprint", "book"]),
        "title": text_st,
        "creators": st.lists(name_st, max_size=3),
        "date": st.sampled_from(["", "2020", "2019-05-02", "March 2018"]),
        "url": st.sampled_from(
            ["", "https://example.org/a_b%20c#x~y", "https://arxiv.org/abs/2101.00001"]
        ),
        "publicationTitle": text_st,
        "pages": st.sampled_from(["", "1-10", "1016–1023", "e12"]),
        "abstractNote": text_st,
        "tags": st.lists(st.builds(lambda t: {"tag": t}, text_st), max_size=3),
        "extra": st.sampled_from(["", "arXiv: 2101.00001 [cs.LG]", "tex.note= x_y"]),
    }
)


# 60 examples (ROUNDTRIP_EXAMPLES=1500 for a long run): bibtexparser 1.x is slow to parse.
@settings(max_examples=int(os.environ.get("ROUNDTRIP_EXAMPLES", "60")))
@given(st.lists(item_st, min_size=1, max_size=4), st.sampled_from(["bibtex", "biblatex"]))
def test_every_bib_we_write_parses_back_to_the_same_entries(
    items: list[dict[str, Any]], fmt: str
) -> None:
    options = ExportOptions(format=fmt)
    entries: list[BibEntry] = [
        bib_entry(item, f"key{n}", options, zotero_fields()) for n, item in enumerate(items)
    ]
    text = render_bib(entries)
    assert render_bib(reversed(entries)) == text  # sorted by key, whatever the input order
    parsed = {e["ID"]: e for e in parse_bib(text)}
    assert set(parsed) == {e.key for e in entries}
    months = {
        m[:3].lower(): m
        for m in (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        )
    }
    for entry in entries:
        back = parsed[entry.key]
        assert back["ENTRYTYPE"] == entry.type
        assert set(back) - {"ID", "ENTRYTYPE"} == {name for name, _, _ in entry.fields}
        for name, value, bare in entry.fields:
            assert back[name] == (months[value] if name == "month" else value), name
            if not bare:  # BibTeX counts every brace, escaped or not: they must balance
                assert value.count("{") == value.count("}")


def test_the_shipped_zotero_fields_are_derived_from_the_schema() -> None:
    from zotero_fields_gen import render as derive

    shipped = (
        Path(__file__).resolve().parents[1] / "src" / "zotsync" / "data" / "zotero-fields.json"
    )
    assert shipped.read_text() == derive(SHARED / "zotero-schema.json")
