"""Tables read as lists of papers: generated tables in the common shapes give back every
field, write back byte for byte, and an edited or new entry is written as a row."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.adapters.yaml_store import load_list, save_list
from zotsync.core.assemble import build_list
from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry

HEADERS = {
    "title": ["Title", "Paper", "paper title", "**Title**"],
    "venue": ["Venue", "Published in", "Conference", "Publication"],
    "date": ["Date", "Year"],
    "links": ["Code", "Project", "Code/Project", "Link"],
    "other": ["Stars", "Notes", "Language", "Classes"],
    "alias": ["Model", "Name"],
}
VENUES = ["CVPR", "ICLR", "NeurIPS", "arXiv", "EMNLP Findings"]
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 :-,?'", min_size=1)
titles = words.map(lambda t: " ".join(t.split())).filter(lambda t: t and t[0].isalpha())


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[dict[str, object]]]:
    roles = [
        "title",
        *draw(st.lists(st.sampled_from(["venue", "date", "links", "other", "alias"]), max_size=4)),
    ]
    roles = list(dict.fromkeys(roles))  # one column per role
    draw(st.randoms()).shuffle(roles)
    pad = draw(st.sampled_from(["", " "]))
    header = [draw(st.sampled_from(HEADERS[role])) for role in roles]
    rows, lines = [], []
    for n in range(draw(st.integers(1, 5))):
        row = {
            "title": draw(titles),
            "url": f"https://arxiv.org/abs/2401.{n:05d}",
            "venue": draw(st.sampled_from(VENUES)),
            "year": draw(st.integers(1995, 2030)),
            "code": f"https://github.com/x/{n}",
        }
        cells = []
        for role in roles:
            cells.append(
                {
                    "title": f"[{row['title']}]({row['url']})",
                    "venue": f"{row['venue']} {row['year']}",
                    "date": f"{(n % 12) + 1:02d}/{row['year']}",
                    "links": f"[Code]({row['code']})",
                    "other": draw(st.sampled_from(["752", "-", "English", "1.5M"])),
                    "alias": draw(st.sampled_from(["VAST", "RAVA", ""])),
                }[role]
            )
        rows.append({**row, "roles": roles})
        lines.append("|" + "|".join(f"{pad}{c}{pad}" for c in cells) + "|")
    head = "|" + "|".join(f"{pad}{h}{pad}" for h in header) + "|"
    delimiter = "|" + "|".join("---" for _ in roles) + "|"
    return "\n".join(["# Papers", "", head, delimiter, *lines, ""]), rows


def ingest(text: str) -> ReadingList:
    reading_list, _ = build_list(read_list(text), None)
    return reading_list


@given(tables())
def test_a_generated_table_gives_every_row_with_its_fields(
    case: tuple[str, list[dict[str, object]]],
) -> None:
    text, rows = case
    reading_list = ingest(text)
    entries = [entry for _, entry in reading_list.entries()]
    assert len(entries) == len(rows)
    for entry, row in zip(entries, rows, strict=True):
        roles = row["roles"]
        assert (entry.title, entry.url) == (row["title"], row["url"])
        if "venue" in roles:  # type: ignore[operator]
            assert (entry.venue, entry.year) == (row["venue"], row["year"])
        elif "date" in roles:  # type: ignore[operator]
            assert entry.year == row["year"]
        if "links" in roles:  # type: ignore[operator]
            assert entry.links == (("Code", row["code"]),)
    assert render_list(reading_list).text == text


@given(tables())
def test_a_table_survives_the_files_and_an_edit_rewrites_one_cell(
    tmp_path_factory: object, case: tuple[str, list[dict[str, object]]]
) -> None:
    text, _rows = case
    folder = Path(str(tmp_path_factory.mktemp("list")))  # type: ignore[attr-defined]
    save_list(folder, ingest(text))
    loaded, _ = load_list(folder)
    assert render_list(loaded).text == text
    section = loaded.sections[0]
    first = section.entries[0]
    edited = replace(first, title="Edited Title")
    changed = replace(loaded, sections=(replace(section, entries=(edited, *section.entries[1:])),))
    before, after = text.splitlines(), render_list(changed).text.splitlines()
    differs = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(differs) == 1
    old_cells, new_cells = before[differs[0]].split("|"), after[differs[0]].split("|")
    assert sum(a != b for a, b in zip(old_cells, new_cells, strict=True)) == 1
    assert next(e.title for _, e in ingest(render_list(changed).text).entries()) == "Edited Title"


def test_a_paper_from_zotero_in_a_table_section_is_written_as_a_row() -> None:
    text = (
        "# Papers\n\n| Paper | Published in | Code | Stars |\n|---|---|---|---|\n"
        "| [CLIP](https://arxiv.org/abs/2103.00020) | ICML 2021 "
        "| [Code](https://github.com/openai/CLIP) | 752 |\n"
    )
    reading_list = ingest(text)
    section = reading_list.sections[0]
    new = Entry(
        id="gtn",
        title="Graph Transformer Networks",
        url="https://arxiv.org/abs/1911.06455",
        venue="NeurIPS",
        year=2019,
        links=(("code", "https://github.com/seongjunyun/Graph_Transformer_Networks"),),
    )
    grown = replace(reading_list, sections=(replace(section, entries=(*section.entries, new)),))
    out = render_list(grown).text
    assert out.startswith(text)
    row = out[len(text) :]
    assert row == (
        "| [Graph Transformer Networks](https://arxiv.org/abs/1911.06455) | NeurIPS 2019 "
        "| [code](https://github.com/seongjunyun/Graph_Transformer_Networks) |  |\n"
    )
    (_, again), *_ = [(s, e) for s, e in ingest(out).entries() if e.title.startswith("Graph")]
    assert (again.url, again.venue, again.year, again.links) == (
        new.url,
        "NeurIPS",
        2019,
        new.links,
    )


def test_dataset_tables_take_the_project_link_and_their_kind() -> None:
    text = (
        "## Datasets\n\n| Dataset | Year | Classes | Project |\n|---|:---:|---|---|\n"
        "|PASCAL VOC 2007|2007|20|[Project](http://host.robots.ox.ac.uk/pascal/VOC/voc2007/)|\n"
    )
    ((_, entry),) = ingest(text).entries()
    assert (entry.title, entry.url, entry.year, entry.links, entry.kind) == (
        "PASCAL VOC 2007",
        "http://host.robots.ox.ac.uk/pascal/VOC/voc2007/",
        2007,
        (),
        "dataset",
    )


def test_a_table_without_a_title_column_and_a_second_header_stay_as_they_are() -> None:
    text = (
        "# Papers\n\n| Metric | Value |\n|---|---|\n| mAP | 41 |\n\n"
        "| Paper | Venue |\n|---|---|\n| [A](https://a.org/1) | CVPR 2020 |\n\n"
        "| Name | Year |\n|---|---|\n| [B](https://b.org/2) | 2021 |\n"
    )
    reading_list = ingest(text)
    assert [e.title for _, e in reading_list.entries()] == ["A"]  # one table style a section
    assert render_list(reading_list).text == text
