"""Generated lists in citation (MLA) and tag-prefix styles: every entry's fields read right,
the list written back byte for byte, and a paper from Zotero written like its neighbours."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.core.assemble import build_list
from zotsync.core.entries import Entry

words = st.sampled_from(
    ["Deep", "learning", "Graph", "networks", "for", "Visual", "grounding", "Referring",
     "expressions", "via", "Attention", "3D", "Text-to-Image", "diffusion", "models"]
)  # fmt: skip
titles = st.lists(words, min_size=2, max_size=7).map(" ".join)
given_names = st.sampled_from(["Sibei", "Bryan A.", "Ko", "Anna", "Ming-Hsuan", "Luowei", "Harm"])
family_names = st.sampled_from(["Yang", "Plummer", "Endo", "Rohrbach", "De Vries", "Zhou", "Li"])
people = st.tuples(given_names, family_names)
# (as written, venue, has a locator the venue leaves out)
venues = st.sampled_from(
    [
        ("Proceedings of the IEEE Conference on Computer Vision (CVPR). {y}",
         "Proceedings of the IEEE Conference on Computer Vision (CVPR)"),
        ("Proc. IJCAI. {y}", "Proc. IJCAI"),
        ("EMNLP ({y})", "EMNLP"),
        ("arXiv preprint arXiv:1805.03508 ({y})", "arXiv preprint"),
        ("CoRR abs/1703.07579 ({y}): n. pag", "CoRR"),
        ("International Journal of Computer Vision 123.1 ({y}): 32-73",
         "International Journal of Computer Vision"),
        ("European Conference on Computer Vision. Springer, Cham, {y}",
         "European Conference on Computer Vision"),
    ]
)  # fmt: skip


def mla_authors(names: list[tuple[str, str]], et_al: bool) -> str:
    first = f"{names[0][1]}, {names[0][0]}"
    rest = [f"{g} {f}" for g, f in names[1:]]
    if et_al:
        return f"{first}, et al." if not rest else ", ".join([first, *rest]) + ", et al."
    if not rest:
        return first + "."
    return ", ".join([first, *rest[:-1]]) + ", and " + rest[-1] + "."


@st.composite
def mla_lists(draw: st.DrawFn) -> tuple[str, list[dict[str, object]]]:
    blocks, expected = [], []
    for n in range(draw(st.integers(1, 5))):
        names = draw(st.lists(people, min_size=1, max_size=3, unique=True))
        et_al = draw(st.booleans())
        title = draw(titles)
        written, venue = draw(venues)
        year = draw(st.integers(2000, 2024))
        alias = draw(st.sampled_from(["", "RefCOCO", "Talk2Car", "Cops-Ref"]))
        url = f"https://arxiv.org/pdf/2001.{n:05d}.pdf"
        lead = f"**{alias}**: " if alias else ""
        authors = mla_authors(names, et_al)
        dot = "" if authors.endswith(".") else "."
        blocks.append(
            f"1. {lead}{authors}{dot} **{title}.** {written.format(y=year)}. [[Paper]]({url}) "
            f"[[Code]](https://github.com/x/{n})\n"
        )
        expected.append(
            {"title": title, "alias": alias, "authors": tuple(f"{g} {f}" for g, f in names),
             "et_al": et_al, "venue": venue, "year": year, "url": url}
        )  # fmt: skip
    return "# Grounding\n\n## Papers\n" + "\n".join(blocks), expected


@st.composite
def tagged_lists(draw: st.DrawFn) -> tuple[str, list[dict[str, object]]]:
    lines, expected = [], []
    for n in range(draw(st.integers(1, 5))):
        venue = draw(st.sampled_from(["CVPR", "arXiv preprint", "ICLR", "IEEE TPAMI"]))
        year = draw(st.integers(2015, 2025))
        tag = draw(st.sampled_from(["", "💬 3D", "💬Privacy Analysis"]))
        glue = draw(st.sampled_from([" ", ""])) if tag else ""
        title = draw(titles)
        given, family = draw(people)
        url = f"https://arxiv.org/abs/2305.{n:05d}"
        tag_text = f"[{tag}]{glue}" if tag else ""
        lines.append(
            f"* ({venue} {year}) {tag_text}**{title}**, {given} {family} et al. [[Paper]({url})]\n"
        )
        expected.append(
            {"title": title, "alias": tag, "authors": (f"{given} {family}",), "et_al": True,
             "venue": venue, "year": year, "url": url}
        )  # fmt: skip
    return "# Text-to-Image\n\n## Papers\n" + "".join(lines), expected


def _read(text: str) -> list[Entry]:
    reading_list, _ = build_list(read_list(text), None)
    assert render_list(reading_list).text == text
    return [entry for _, entry in reading_list.entries()]


@given(mla_lists())
def test_citations_give_their_authors_title_venue_and_year(
    case: tuple[str, list[dict[str, object]]],
) -> None:
    text, expected = case
    entries = _read(text)
    assert [{name: getattr(e, name) for name in expected[0]} for e in entries] == expected


@given(tagged_lists())
def test_tag_prefixed_entries_keep_the_tag_out_of_the_title(
    case: tuple[str, list[dict[str, object]]],
) -> None:
    text, expected = case
    entries = _read(text)
    assert [{name: getattr(e, name) for name in expected[0]} for e in entries] == expected


@given(st.one_of(mla_lists(), tagged_lists()))
def test_a_paper_from_zotero_is_written_in_the_section_s_style_and_reads_back(
    case: tuple[str, list[dict[str, object]]],
) -> None:
    text, _ = case
    reading_list, _ = build_list(read_list(text), None)
    section = reading_list.sections[-1]
    new = Entry(
        id="new-paper-2021",
        title="A New Paper on Grounding",
        url="https://arxiv.org/abs/2101.00001",
        venue="NeurIPS",
        year=2021,
        authors=("Ada Zeller", "Bo Li"),
    )
    grown = replace(
        reading_list,
        sections=tuple(
            replace(s, entries=(*s.entries, new)) if s is section else s
            for s in reading_list.sections
        ),
    )
    rendered = render_list(grown).text
    back = [entry for _, entry in build_list(read_list(rendered), None)[0].entries()]
    found = [e for e in back if e.title == new.title]
    assert len(found) == 1
    assert (found[0].authors, found[0].venue, found[0].year, found[0].url) == (
        new.authors, new.venue, new.year, new.url
    )  # fmt: skip
    assert rendered.startswith(text.rstrip("\n"))
