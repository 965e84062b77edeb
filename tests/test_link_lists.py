"""Bold titles over bullets of bare labelled URLs (``- Paper: https://…``, ``- Code: None``):
one entry each, its URL the paper's bullet, the other bullets its links; written back byte
for byte, and a new entry written the same way."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.core.assemble import build_list
from zotsync.core.entries import Entry

LABELS = [("Paper", "Code"), ("论文/Paper", "代码/Code"), ("PDF", "Project")]
titles = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGH0123456789:-", min_size=3)
    .map(lambda t: " ".join(t.split()))
    .filter(lambda t: len(t) > 2 and t[0].isalpha())
)


@st.composite
def link_lists(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str | None]]]:
    paper_label, code_label = draw(st.sampled_from(LABELS))
    blank = draw(st.sampled_from(["\n", "\n\n"]))
    papers, blocks = [], []
    for n in range(draw(st.integers(1, 4))):
        title = draw(titles)
        url = f"http://arxiv.org/pdf/2403.{n:05d}"
        code = draw(st.sampled_from([None, f"https://github.com/x/{n}"]))
        papers.append((title, url, code))
        blocks.append(
            f"**{title}**{blank}- {paper_label}: {url}\n- {code_label}: {code or 'None'}\n"
        )
    return "# CVPR\n\n" + "\n".join(blocks), papers


@given(link_lists())
def test_each_bold_title_and_its_bullets_are_one_entry(
    case: tuple[str, list[tuple[str, str, str | None]]],
) -> None:
    text, papers = case
    reading_list, _ = build_list(read_list(text), None)
    entries = [entry for _, entry in reading_list.entries()]
    assert [(e.title, e.url, e.links[0][1] if e.links else None) for e in entries] == papers
    assert render_list(reading_list).text == text


def test_a_new_paper_in_such_a_section_is_written_like_its_neighbours() -> None:
    text = (
        "# CVPR\n\n**Face2Diffusion for Fast Face Personalization**\n\n"
        "- 论文/Paper: http://arxiv.org/pdf/2403.05094\n"
        "- 代码/Code: https://github.com/mapooon/Face2Diffusion\n"
    )
    reading_list, _ = build_list(read_list(text), None)
    section = reading_list.sections[0]
    new = Entry(
        id="gtn",
        title="Graph Transformer Networks",
        url="https://arxiv.org/abs/1911.06455",
        links=(("代码/Code", "https://github.com/seongjunyun/GTN"),),
    )
    grown = replace(reading_list, sections=(replace(section, entries=(*section.entries, new)),))
    out = render_list(grown).text
    assert out == text + (
        "\n**Graph Transformer Networks**\n\n- 论文/Paper: https://arxiv.org/abs/1911.06455\n"
        "- 代码/Code: https://github.com/seongjunyun/GTN\n"
    )
    again, _ = build_list(read_list(out), None)
    assert [e.title for _, e in again.entries()][-1] == "Graph Transformer Networks"


def test_a_bold_line_over_other_bullets_is_no_entry() -> None:
    text = "# Notes\n\n**Reading group**\n\n- Monday: room 4\n- Bring: snacks\n"
    reading_list, _ = build_list(read_list(text), None)
    assert list(reading_list.entries()) == []
    assert render_list(reading_list).text == text
