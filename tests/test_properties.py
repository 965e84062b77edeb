"""Round trips with hypothesis: entries <-> Markdown, lists <-> entries, YAML scalars."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zotsync.adapters.markdown_entry import parse_entry_text, render_entry
from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.adapters.yaml_store import (
    load_list,
    parse_section_file,
    save_list,
    scalar,
    section_to_yaml,
)
from zotsync.core.assemble import build_list
from zotsync.core.entries import Entry, EntryContent, EntryStyle, Section

SEED_000_STYLE = EntryStyle()
SEED_002_STYLE = EntryStyle(
    bullet="- ",
    title="bold",
    parts=("date", "links", "authors"),
    seps=(", ", " ", ", by "),
    date_form="({year})",
    url_label="paper",
    authors_form="*{authors}*",
    blank_between=False,
)
LABEL_STYLE = EntryStyle(
    bullet="  - ",
    title="label",
    parts=("authors",),
    seps=(", by ",),
    authors_form="*{authors}*",
    blank_between=False,
)
STYLES = st.sampled_from([SEED_000_STYLE, SEED_002_STYLE, LABEL_STYLE])

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1, max_size=12
)
title = st.lists(words, min_size=1, max_size=8).map(" ".join)
name_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøčÁ-'.", min_size=1, max_size=10)
author = (
    st.lists(name_words, min_size=1, max_size=3)
    .map(" ".join)
    .filter(lambda a: a.strip(" .-'") == a and " and " not in f" {a} " and a != "and")
)
url = st.builds(
    lambda host, path: f"https://{host}.org/{path}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/_-.?=&()%", max_size=20),
)
venue = st.sampled_from(["", "ICLR", "NeurIPS", "EMNLP Findings", "IEEE TNNLS", "arXiv", "ACL"])
label = st.sampled_from(["code", "blog", "video", "homepage", "project", "slides"])


@st.composite
def contents(draw: st.DrawFn, style: EntryStyle) -> EntryContent:
    links = draw(st.lists(st.tuples(label, url), max_size=3, unique_by=lambda pair: pair[0]))
    authors = tuple(draw(st.lists(author, max_size=4))) if style.authors_form != "{authors}" else ()
    return EntryContent(
        title=draw(title),
        url=draw(url),
        venue=draw(venue) if style.title != "label" else "",
        year=draw(st.none() | st.integers(1950, 2099)) if style.title != "label" else None,
        authors=authors,
        et_al=draw(st.booleans()) if authors else False,
        links=tuple(links) if style.title != "label" else (),
        kind=draw(st.sampled_from(["", "Blog", "Youtube"])) if style.title == "label" else "",
    )


@given(st.data())
def test_parse_of_render_gives_the_entry_back(data: st.DataObject) -> None:
    style = data.draw(STYLES)
    content = data.draw(contents(style))
    text = render_entry(content, style)
    parsed = parse_entry_text(text)
    assert parsed is not None, text
    assert parsed.content == content, text


# A Markdown-ish alphabet: every construct the reader cares about, plus line endings.
markdownish = st.text(alphabet="[]()*_-#\n\r \\`<>!:/.,|0123456789aXé\t", max_size=300)
entry_line = st.builds(
    lambda t, u, v, y: f"[{t}]({u}), {v} {y}", title, url, venue, st.integers(1990, 2030)
)
block = st.one_of(
    markdownish,
    entry_line,
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 4), title),
    st.builds(lambda t: f"- **{t}**", title),
    st.builds(lambda e: f"- {e}", entry_line),
    st.builds(lambda e: f"  - {e}", entry_line),
    st.just(""),
)
markdown_lists = st.lists(block, max_size=25).flatmap(
    lambda blocks: st.sampled_from(["\n", "\r\n"]).map(lambda nl: nl.join(blocks))
)


@settings(max_examples=300)
@given(markdown_lists)
def test_render_of_ingest_gives_any_text_back(text: str) -> None:
    reading_list, _ = build_list(read_list(text), None)
    assert render_list(reading_list).text == text


@settings(max_examples=40)
@given(markdown_lists)
def test_the_round_trip_holds_through_the_files_on_disk(text: str) -> None:
    reading_list, _ = build_list(read_list(text), None)
    with tempfile.TemporaryDirectory() as folder:
        save_list(Path(folder), reading_list)
        loaded, _ = load_list(Path(folder))
        again, report = build_list(read_list(text), loaded)
    assert render_list(loaded).text == text
    assert not report.touched and again == loaded


@given(st.text())
def test_yaml_scalars_load_back_as_the_same_text(text: str) -> None:
    assert yaml.safe_load(f"key: {scalar(text)}\n") == {"key": text}


@given(st.data())
def test_section_files_load_back_as_the_same_entries(data: st.DataObject) -> None:
    style = data.draw(STYLES)
    entries = []
    for n, content in enumerate(data.draw(st.lists(contents(style), max_size=4))):
        entry = Entry(id=f"entry-{n}", title="").with_content(content)
        tags = tuple(data.draw(st.lists(st.text(max_size=10), max_size=2)))
        entries.append(Entry(**{**_fields(entry), "tags": tags, "markdown": data.draw(st.text())}))
    section = Section(
        "s", tuple(data.draw(st.lists(words, min_size=1, max_size=3))), tuple(entries)
    )
    text = section_to_yaml(section)
    record = parse_section_file(Path("s.yaml"), text.encode())
    assert record["section"] == list(section.path)
    assert [r[0] for r in record["entries"]] == [e.id for e in entries]
    loaded = [
        Entry(
            id=r[0],
            title=r[1],
            url=r[2],
            venue=r[3],
            year=r[4],
            authors=tuple(r[5]),
            links=tuple(tuple(p) for p in r[6]),
            kind=r[7],
            note=r[8],
            tags=tuple(r[9]),
            citation_key=r[10],
            markdown=r[11],
            et_al=r[12],
        )
        for r in record["entries"]
    ]
    assert loaded == entries


def _fields(entry: Entry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in Entry.__dataclass_fields__}


# --------------------------------------------------------------------------- fuzzing

yaml_noise = st.lists(
    st.sampled_from(
        [
            "section:\n",
            "- Papers\n",
            "entries:\n",
            "- id: a-2020\n",
            "  title: T\n",
            "  year: 2020\n",
            "  year: soon\n",
            "  url: [1, 2]\n",
            "  links: {code: x}\n",
            "  authors: A\n",
            "  tags: [a, b]\n",
            "  &anchor title: x\n",
            "  title: *anchor\n",
            "  title: !!python/object:os.system echo\n",
            "  : \n",
            "\t- bad indent\n",
            "  citation_key: k\n",
            "- id: ../../etc/passwd\n",
            "{[\n",
            "'\n",
            '"\\x\n',
            "\x00\n",
            "é\n",
            "---\n",
            "...\n",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300)
@given(st.one_of(yaml_noise, st.text(max_size=200), st.binary(max_size=200).map(repr)))
def test_the_yaml_loader_never_crashes_and_names_the_line(text: str) -> None:
    """Any section file either loads or is one clear InputError with file and line; never
    another exception, never code run (the loader is safe), never an id outside entries/."""
    from zotsync.errors import InputError

    path = Path("entries/x/sections/papers.yaml")
    try:
        record = parse_section_file(path, text.encode("utf-8", "surrogatepass"))
    except InputError as error:
        assert str(error).startswith(str(path))
        return
    for entry in record["entries"]:
        assert "/" not in entry[0] and ".." not in entry[0]  # ids cannot escape entries/


@settings(max_examples=200)
@given(st.text(max_size=400))
def test_the_markdown_reader_never_crashes_and_never_loses_a_line(text: str) -> None:
    """Arbitrary text (not only list-shaped): the reader reads it and the writer gives back
    every line as it was."""
    assert render_list(build_list(read_list(text), None)[0]).text == text


# Anything a teammate can type into Zotero: every character class, line breaks of every kind,
# bidi controls, Markdown and HTML syntax.
hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("\r\n\x00\x0b\x0c\x85\u2028\u2029\u202e\u2066\u200f\ufeff[]()*_`<>#-|!\\"),
    ),
    min_size=1,
    max_size=40,
)


PLAIN_STYLE = EntryStyle(bullet="", title="plain", url_label="paper")


@settings(max_examples=300)
@given(hostile_text, st.one_of(STYLES, st.just(PLAIN_STYLE)))
def test_any_zotero_title_renders_as_one_line_of_text_that_reads_back(
    raw: str, style: EntryStyle
) -> None:
    from zotsync.core.mapping import Mapping, content_of_item

    content = content_of_item(
        {"itemType": "journalArticle", "title": raw, "url": "https://x.org/1", "date": "2020"},
        Mapping.from_dict({"venues": {}}),
        (),
    )
    title = content.title.strip()
    # Runs of spaces: Markdown does not keep them apart; nothing unsafe in that.
    assume(title and title == " ".join(title.split()))
    content = EntryContent(title=title, url=content.url, year=content.year)
    text = render_entry(content, style)
    assert not set(text) & set("\r\n\x00\x0b\x0c\x85\u2028\u2029\u202e\u2066\u200f\ufeff"), text
    # CommonMark sees one paragraph, no raw HTML, and only the entry's own link.
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(style.bullet + text)
    blocks = [t.type for t in tokens if t.level == 0 and t.nesting >= 0]
    assert blocks in (["paragraph_open"], ["bullet_list_open"]), (text, blocks)
    inline = [c for t in tokens for c in t.children or []]
    assert not [c for c in inline if c.type == "html_inline"], text
    assert {c.attrs.get("href") for c in inline if c.type == "link_open"} == {"https://x.org/1"}
    if style.title != "plain":  # a delimited title reads back as it was
        parsed = parse_entry_text(text)
        assert parsed is not None, text
        assert parsed.content.title == title, text
