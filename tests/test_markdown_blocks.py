"""The block scanner of the common shapes gives what markdown-it gives: the same tokens where
it takes a document, and the same list read wherever it cuts a document into regions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CORPUS_LISTS, REPO, SEEDS
from zotsync.adapters import markdown_list
from zotsync.adapters.markdown_blocks import regions, simple_blocks
from zotsync.adapters.markdown_list import _block_parser, read_list
from zotsync.core.document import split_lines

sys.path.insert(0, str(REPO / "benchmarks"))
import bench_styles


def _projection(tokens: Any) -> list[tuple[Any, ...]]:
    return [
        (t.type, t.tag, t.map, t.level, t.nesting, t.content if t.type == "inline" else "")
        for t in tokens
    ]


def _read_by_markdown_it(text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(markdown_list, "block_tokens", lambda lines, parse: parse("".join(lines)))
        return read_list(text)


def _same_reading(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = read_list(text), _read_by_markdown_it(text, monkeypatch)
    assert fast.frame == slow.frame
    assert fast.unread == slow.unread
    assert [(s.slug, s.path, s.style) for s in fast.sections] == [
        (s.slug, s.path, s.style) for s in slow.sections
    ]
    assert [(i.text, i.line, i.markdown, i.parsed) for i in fast.items] == [
        (i.text, i.line, i.markdown, i.parsed) for i in slow.items
    ]


BENCH = [
    bench_styles.HEADS[style] + "".join(bench_styles.ROWS[style](n) for n in range(200))
    for style in bench_styles.ROWS
]


@pytest.mark.parametrize("text", BENCH, ids=list(bench_styles.ROWS))
def test_the_common_shapes_are_scanned_as_markdown_it_parses_them(text: str) -> None:
    lines = split_lines(text)
    fast = simple_blocks(lines)
    assert fast is not None  # these lists are read without markdown-it
    assert _projection(fast) == _projection(_block_parser().parse(text))


@pytest.mark.parametrize("path", SEEDS + CORPUS_LISTS, ids=lambda p: p.parent.name or p.stem)
def test_real_lists_read_the_same_cut_into_regions(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_reading(path.read_text("utf-8"), monkeypatch)


LINES = st.sampled_from(
    [
        "", "", "# Title", "## Section", "### 2019", "#NoHeading", "## Closed ##",
        "- [A paper](https://x.org/1), ICLR 2021 [[code]](https://c.org/1)",
        "* **Bold title** [[pdf]](https://x.org/2)", "+ plain item", "1. [One](https://x.org/3)",
        "2) [Two](https://x.org/4)", "-     indented code in an item", "-", "- - nested",
        "  - [nested](https://x.org/5)", "  continuation of something", "    code block",
        "Paragraph text with [a link](https://x.org/6).", "**Bold paragraph**",
        "- Paper: https://arxiv.org/abs/2101.00001", "- Code: None",
        "| [Title](https://x.org/7) | CVPR 2021 |", "|---|---|", "---", "***", "===",
        "> a quote [q](https://x.org/8)", "<!-- a comment", "still the comment -->",
        "<!-- one line -->", "<div>", "</div>", "```", "~~~", "```python", "<pre>", "</pre>",
        "2019 was a year", "1999. A year and a dot", "\\- escaped", "[ref]: https://x.org/9",
        "Setext title", "Text\twith a tab", "   three spaces", "-\ttab item",
    ]
)  # fmt: skip


@given(st.lists(LINES, max_size=30), st.booleans())
def test_any_mix_of_shapes_reads_the_same(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    patch = pytest.MonkeyPatch()
    try:
        _same_reading(text, patch)
    finally:
        patch.undo()
    cuts = regions(split_lines(text))
    assert [a for a, _ in cuts][:1] in ([0], []) and all(a < b for a, b in cuts)
