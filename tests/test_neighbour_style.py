"""A paper that arrives from Zotero is written exactly as its section's entries are: in
every list style `ingest` reads (the seeds and ../shared/corpora/lists), and end to end
through a sync against the sandbox (numbering `1.` repeated, a tab-indented author line,
the list's own link labels)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from conftest import CORPUS_LISTS, GROUP, KEY, REPO, SEEDS, run
from test_sync import library
from zotsync.adapters.markdown_list import entry_markdown, read_list, render_list
from zotsync.adapters.markdown_table import parse_row, split_row
from zotsync.core.assemble import build_list
from zotsync.core.document import ReadingList, SectionMark, Slot

NEW_TITLE = "Zebra Crossings for Graph Transformers"
NEW_URL = "https://arxiv.org/abs/2499.01234"
NUMBER = re.compile(r"\d{1,9}(?=[.)])")


def _slots(reading_list: ReadingList) -> dict[str, list[str]]:
    """Section slug -> the bullets of its entries' lines, in order."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in reading_list.frame:
        if isinstance(line, SectionMark):
            current = line.slug
        elif isinstance(line, Slot):
            found.setdefault(current, []).append(line.prefix)
    return found


def _text_at(text: str, line: int, count: int) -> str:
    return "\n".join(text.splitlines()[line - 1 : line - 1 + count])


def _numbers(bullets: list[str]) -> list[int]:
    return [int(m.group()) for b in bullets if (m := NUMBER.search(b))]


def _expected_number(bullets: list[str]) -> int | None:
    """What a reader expects after these bullets: the same number if they all repeat one,
    the next if they count up by one; None if they do neither (or are not numbered)."""
    numbers = _numbers(bullets)
    if len(numbers) < 2:
        return None
    if len(set(numbers)) == 1:
        return numbers[0]
    if all(b == a + 1 for a, b in pairwise(numbers)):
        return numbers[-1] + 1
    return None


def _cells(row: str, roles: tuple[str, ...]) -> list[str]:
    """A row's cells as markup shapes (bold or not, a link or not), for the columns
    zotsync has a field for (a new paper's star count or model name is not known)."""
    found = split_row(row)
    assert found is not None
    return [
        ("**" in cell) * "bold " + ("](" in cell) * "link "
        for cell, role in zip(found.cells, roles, strict=True)
        if role in ("title", "venue", "date", "links")
    ]


def _added_in_each_section(path: Path) -> tuple[int, list[str]]:
    """For each section, a paper written like one of its entries (the last one its style
    writes back as the README has it) with another title and URL, as a pull makes it (no
    kept Markdown): (sections checked, what differed)."""
    reading_list, _ = build_list(read_list(path.read_text(encoding="utf-8")), None)
    before = render_list(reading_list)
    bullets = _slots(reading_list)
    checked, wrong = 0, []
    for index, section in enumerate(reading_list.sections):
        table = bool(section.style.columns)
        neighbours = [
            e
            for e in section.entries
            if (table or not e.markdown)
            and e.title
            and not e.note  # a pulled paper has none (the note is the list's own text)
            and e.title in entry_markdown(e, section)
        ]
        if not neighbours or section.slug not in bullets:
            continue
        old = neighbours[-1]
        new = replace(old, id="zebra-crossings-2499", title=NEW_TITLE, markdown="")
        if old.url:
            new = replace(new, url=NEW_URL)
        sections = list(reading_list.sections)
        sections[index] = replace(section, entries=(*section.entries, new))
        after = render_list(replace(reading_list, sections=tuple(sections)))
        old_text = entry_markdown(old, section)
        lines = old_text.count("\n") + 1
        got = _text_at(after.text, after.entry_lines[new.id], lines)
        expected_text = old_text.replace(old.title, NEW_TITLE, 1)
        if old.url:
            expected_text = expected_text.replace(old.url, NEW_URL, 1)
        section_bullets = bullets[section.slug]
        commonest = Counter(NUMBER.sub("N", b) for b in section_bullets).most_common(1)[0][0]
        bullet, text = got[: len(got) - len(expected_text)], got[len(got) - len(expected_text) :]
        checked += 1
        problems = []
        if table:  # a row: its cells, read back, are the paper (padding is the table's)
            text, bullet = got, ""
            if parse_row(got, section.style) != new.content():
                problems.append(f"row {got!r} does not read back as the paper")
            if _cells(got, section.style.columns) != _cells(old_text, section.style.columns):
                problems.append(f"row {got!r} has other cells than {old_text!r}")
        elif text != expected_text:
            problems.append(f"text {text!r}, neighbour writes {expected_text!r}")
        if NUMBER.sub("N", bullet) != commonest and section_bullets.count(commonest) > 1:
            problems.append(f"bullet {bullet!r}, the section's is {commonest!r}")
        number = _expected_number(section_bullets)
        if number is not None and _numbers([bullet]) != [number]:
            problems.append(f"numbered {bullet!r} after {section_bullets[-3:]}")
        wrong += [f"{section.slug}: {p}" for p in problems]
        assert before.text == render_list(reading_list).text  # rendering changes nothing
    return checked, wrong


@pytest.mark.parametrize(
    "path", SEEDS + CORPUS_LISTS, ids=lambda p: p.parent.name if p.name == "README.md" else p.stem
)
def test_a_paper_from_zotero_is_written_like_its_neighbours(path: Path) -> None:
    checked, wrong = _added_in_each_section(path)
    assert checked >= 1, "no section of this list has an entry its style writes back"
    assert wrong == []


GRAPHS = (
    "# Graph papers\n\n## Graph networks\n\n"
    "1. **Graph Attention Networks.** ICLR 2018. [[paper]](https://arxiv.org/abs/1710.10903)"
    " [[code]](https://github.com/PetarV-/GAT)\n"
    "\tPetar Velickovic, Guillem Cucurull, Arantxa Casanova\n"
    "1. **Semi-Supervised Classification with Graph Convolutional Networks.** ICLR 2017."
    " [[paper]](https://arxiv.org/abs/1609.02907) [[code]](https://github.com/tkipf/gcn)\n"
    "\tThomas Kipf, Max Welling\n"
)
PULLED = (
    "1. **Graph Transformer Networks.** NeurIPS 2019. [[paper]](https://arxiv.org/abs/1911.06455)"
    " [[code]](https://github.com/seongjunyun/Graph_Transformer_Networks)\n"
    "\tSeongjun Yun, Minbyul Jeong\n"
)


@pytest.fixture
def graphs(tmp_path: Path, sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    (tmp_path / "graphs").mkdir()
    (tmp_path / "graphs" / "README.md").write_text(GRAPHS)
    config = {
        "lists": {
            "graphs": {
                "markdown": "graphs/README.md",
                "entries": "graphs/entries",
                "mapping": "mappings/default.yaml",
                "collection": "Graph papers",
                "library": {"group": GROUP, "endpoint": sandbox.url},
            }
        }
    }
    (tmp_path / "zotsync.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    assert run("ingest").exit_code == 0
    return tmp_path


def test_a_teammates_paper_lands_in_the_readme_like_the_entries_around_it(
    graphs: Path, sandbox
) -> None:  # type: ignore[no-untyped-def]
    assert run("sync").exit_code == 0
    lib = library(sandbox)
    section = next(k for k, c in lib["collections"].items() if c["name"] == "Graph networks")
    made = sandbox.teammate_write(
        GROUP,
        "item",
        [
            {
                "itemType": "conferencePaper",
                "title": "Graph Transformer Networks",
                "proceedingsTitle": "Advances in Neural Information Processing Systems",
                "date": "2019",
                "url": "https://arxiv.org/abs/1911.06455",
                "creators": [
                    {"creatorType": "author", "firstName": "Seongjun", "lastName": "Yun"},
                    {"creatorType": "author", "firstName": "Minbyul", "lastName": "Jeong"},
                ],
                "collections": [section],
            }
        ],
    )
    key = made["successful"]["0"]["key"]
    attachment = {
        "itemType": "attachment",
        "linkMode": "linked_url",
        "parentItem": key,
        "title": "Code",
        "url": "https://github.com/seongjunyun/Graph_Transformer_Networks",
    }
    sandbox.teammate_write(GROUP, "item", [attachment])
    result = run("sync")
    assert result.exit_code == 0, result.output
    readme = (graphs / "graphs" / "README.md").read_text()
    assert readme == GRAPHS + PULLED  # the two entries before it untouched, byte for byte
    again = run("sync", "--json")
    assert again.exit_code == 0, again.output
    assert '"changes": []' in again.output and '"written": {}' in again.output
    titles = {d.get("title") for d in library(sandbox)["items"].values()}
    assert "Code" not in titles and "code" in titles  # the attachment took the list's label
