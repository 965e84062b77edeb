"""One entry line each, in the styles real lists use: the fields a reader would cite, and the
line written back byte for byte."""

from __future__ import annotations

import pytest

from zotsync.adapters.markdown_entry import parse_entry_text, render_entry

CASES = [
    (  # terryum: a bold title, the year, then the first author
        "**Delving deep into rectifiers** (2015), K. He et al. [[pdf]](http://x.org/he.pdf)",
        {"title": "Delving deep into rectifiers", "year": 2015, "authors": ("K. He",),
         "et_al": True, "venue": "", "url": "http://x.org/he.pdf"},
    ),
    (  # terryum: the same with a plain title
        "Intriguing properties of neural networks (2014), C. Szegedy et al. "
        "[[pdf]](https://arxiv.org/pdf/1312.6199.pdf)",
        {"title": "Intriguing properties of neural networks", "year": 2014,
         "authors": ("C. Szegedy",), "et_al": True},
    ),
    (  # a bold title, then its authors
        "**TextFace: Text-to-Style Mapping**, Xianxu Hou et al. [[Paper](https://ieee.org/9737433)]",
        {"title": "TextFace: Text-to-Style Mapping", "authors": ("Xianxu Hou",), "et_al": True,
         "venue": "", "url": "https://ieee.org/9737433"},
    ),
    (  # two names, no et al.
        "[Attention](https://a.org/1), Ada Zeller, Bo Li [[code]](https://c.org/2)",
        {"title": "Attention", "authors": ("Ada Zeller", "Bo Li"), "et_al": False, "venue": ""},
    ),
    (  # a venue of capitalised words stays a venue
        "[Blindfold Baselines](https://arxiv.org/abs/1811.05013), NIPS 2018 Visually-Grounded "
        "Interaction and Language Workshop",
        {"title": "Blindfold Baselines", "authors": (), "year": 2018, "writes_back": False},
    ),
    (
        "**Title**, Neural Computation [[pdf]](http://x.org/t.pdf)",
        {"venue": "Neural Computation", "authors": ()},
    ),
    (  # jason718: authors "Last, First and Last, First", then the venue in italics
        "[Colorization](http://x.org/c.pdf), Larsson, Gustav and Maire, Michael. *ECCV 2016*",
        {"authors": ("Gustav Larsson", "Michael Maire"), "venue": "ECCV", "year": 2016},
    ),
    (  # the same on an author line under the entry (kept as written: two link lines)
        "Multi-task Self-Supervised Visual Learning. \n  [[pdf]](https://arxiv.org/abs/1708.07860)"
        "\n  - Doersch, Carl and Zisserman, Andrew. *ICCV 2017*",
        {"title": "Multi-task Self-Supervised Visual Learning", "venue": "ICCV", "year": 2017,
         "authors": ("Carl Doersch", "Andrew Zisserman")},
    ),
    (  # a numbered list's "**Title.** Venue 2020.": the period is no part of the title
        "**Relational inductive biases, deep learning, and graph networks.** arXiv 2018. "
        "[paper](https://arxiv.org/pdf/1806.01261.pdf)",
        {"title": "Relational inductive biases, deep learning, and graph networks",
         "venue": "arXiv", "year": 2018},
    ),
    (  # an abbreviation keeps its dot
        "[Learning in the U.S.](https://x.org/2), ICLR 2020",
        {"title": "Learning in the U.S.", "venue": "ICLR", "year": 2020},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("line", "fields"), CASES)
def test_a_line_gives_its_fields_and_writes_back(line: str, fields: dict[str, object]) -> None:
    parsed = parse_entry_text(line)
    assert parsed is not None
    writes_back = fields.pop("writes_back", True)  # else the list keeps the line as written
    for name, value in fields.items():
        assert getattr(parsed.content, name) == value, name
    assert (render_entry(parsed.content, parsed.style) == line) is writes_back
