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
    (  # TheShadow29: an MLA citation under the dataset's name; only the first name turned
        "**Ref-Reasoning**: Yang, Sibei, Guanbin Li, and Yizhou Yu. **Graph-structured "
        "referring expression reasoning in the wild.** Proceedings of the IEEE Conference on "
        "Computer Vision and Pattern Recognition (CVPR). 2020. [[Paper]](http://x.org/y.pdf) "
        "[[Code]](https://github.com/sibeiyang/sgmn)",
        {"title": "Graph-structured referring expression reasoning in the wild",
         "alias": "Ref-Reasoning", "authors": ("Sibei Yang", "Guanbin Li", "Yizhou Yu"),
         "venue": "Proceedings of the IEEE Conference on Computer Vision and Pattern "
         "Recognition (CVPR)", "year": 2020, "url": "http://x.org/y.pdf",
         "links": (("Code", "https://github.com/sibeiyang/sgmn"),)},
    ),
    (  # MLA without a comma before et al.; "EMNLP (2016)"; an annotation in italics
        "Fukui, Akira et al. **Multimodal Compact Bilinear Pooling.** EMNLP (2016). "
        "*Method name: MCB* [[Paper]](https://arxiv.org/pdf/1606.01847.pdf)",
        {"authors": ("Akira Fukui",), "et_al": True, "venue": "EMNLP", "year": 2016,
         "note": "*Method name: MCB*", "title": "Multimodal Compact Bilinear Pooling"},
    ),
    (  # a citation's archive number and "n. pag." are not the venue
        "Wu, Fan et al. **An End-to-End Approach.** CoRR abs/1703.07579 (2017): n. pag. "
        "[[Paper]](https://arxiv.org/pdf/1703.07579.pdf)",
        {"venue": "CoRR", "year": 2017, "authors": ("Fan Wu",)},
    ),
    (
        "Yu, Zhou, et al. **Rethinking Proposal Generation.** arXiv preprint "
        "arXiv:1805.03508 (2018). [[Paper]](https://x.org/0155.pdf)",
        {"venue": "arXiv preprint", "year": 2018, "authors": ("Zhou Yu",), "et_al": True},
    ),
    (  # a publisher before the year, a journal's volume and pages
        "Qiu, Heqian, et al. **Language-Aware Representation.** Proceedings of the 28th ACM "
        "International Conference on Multimedia. ACM 2020. [[Paper: ACM Link]](https://x.org/1)",
        {"venue": "Proceedings of the 28th ACM International Conference on Multimedia",
         "year": 2020, "url": "https://x.org/1", "links": ()},
    ),
    (
        "Krishna, Ranjay, et al. **Visual genome.** International Journal of Computer Vision "
        "123.1 (2017): 32-73. [[Paper]](https://arxiv.org/pdf/1602.07332.pdf)",
        {"venue": "International Journal of Computer Vision", "year": 2017},
    ),
    (  # the year restated after it is no venue
        "Savva, Manolis, et al. **Habitat: A platform for embodied ai research.** Proceedings "
        "of the IEEE International Conference on Computer Vision. 2019. (ICCV 2019) "
        "[[Paper]](http://x.org/h.pdf)",
        {"venue": "Proceedings of the IEEE International Conference on Computer Vision",
         "year": 2019, "title": "Habitat: A platform for embodied ai research"},
    ),
    (  # a numbered citation: "[4]" and the title in quotes
        '**[4]** Krizhevsky, Alex, et al. "**Imagenet classification with deep convolutional '
        'neural networks**." NIPS 2012. [[pdf]](http://x.org/a.pdf)',
        {"alias": "4", "title": "Imagenet classification with deep convolutional neural "
         "networks", "venue": "NIPS", "year": 2012, "authors": ("Alex Krizhevsky",)},
    ),
    (  # Yutong-Zhou: "(Venue-Year)" before a bold title
        "(IEEE Transactions on Network Science and Engineering-2022) **TextFace: Text-to-Style "
        "Mapping**, Xianxu Hou et al. [[Paper](https://ieeexplore.ieee.org/document/9737433)]",
        {"venue": "IEEE Transactions on Network Science and Engineering", "year": 2022,
         "title": "TextFace: Text-to-Style Mapping", "authors": ("Xianxu Hou",)},
    ),
    (  # a topic tag glued to the title, two paper links: the first is the URL
        "(ICLR 2023) [💬3D]**DreamFusion: Text-to-3D using 2D Diffusion**, Ben Poole et al.  "
        "[[Paper (arXiv)](https://arxiv.org/abs/2209.14988)] "
        "[[Paper (OpenReview)](https://openreview.net/forum?id=FjNys5c7VyY)]",
        {"alias": "💬3D", "venue": "ICLR", "year": 2023, "url": "https://arxiv.org/abs/2209.14988",
         "links": (("Paper (OpenReview)", "https://openreview.net/forum?id=FjNys5c7VyY"),)},
    ),
    (  # a highlight mark before the date is kept (as the note)
        "⭐⭐(CVPR 2023) **ImageBind: One Embedding Space**, Rohit Girdhar et al. "
        "[[Paper](https://arxiv.org/abs/2305.05665)]",
        {"note": "⭐⭐", "venue": "CVPR", "year": 2023, "title": "ImageBind: One Embedding Space"},
    ),
    (  # a dataset's name and only its website: the website is its URL
        "**Charades-Ego**:  [[Website]](https://allenai.org/plato/charades/)",
        {"title": "Charades-Ego", "url": "https://allenai.org/plato/charades/", "links": ()},
    ),
    (  # a bracketed bold alias, a plain title up to "|", a bold venue with a short year
        "**[RetinaNet]** Focal Loss for Dense Object Detection | **[ICCV' 17]** | "
        "[pdf](https://arxiv.org/pdf/1708.02002.pdf)",
        {"alias": "RetinaNet", "title": "Focal Loss for Dense Object Detection",
         "venue": "ICCV", "year": 2017, "url": "https://arxiv.org/pdf/1708.02002.pdf",
         "writes_back": False},
    ),
    (  # the alias inside the bold title names venue and year; <br> separates
        "**(*ICCV2019_VideoBERT*) VideoBERT: A Joint Model.**<br>\n*Chen Sun, Austin Myers.*"
        "<br>\n[[paper]](https://arxiv.org/abs/1904.01766)",
        {"alias": "ICCV2019_VideoBERT", "title": "VideoBERT: A Joint Model", "venue": "ICCV",
         "year": 2019, "authors": ("Chen Sun", "Austin Myers"), "writes_back": False},
    ),
    (  # a presentation kind is no part of the venue
        "[Colorful Image Colorization](https://arxiv.org/abs/1603.08511), ECCV 2016 (Oral)",
        {"venue": "ECCV", "year": 2016, "writes_back": False},
    ),
    (
        "[Title](https://x.org/1), TPAMI, 2021",
        {"venue": "TPAMI", "year": 2021},
    ),
    (  # jason718: "A and B and C" authors; BibTeX order with an initial's period
        "Odd-One-Out Networks. \n  [[pdf]](https://arxiv.org/abs/1611.06646) \n  - Basura "
        "Fernando and Hakan Bilen and Efstratios Gavves and Stephen Gould. *CVPR 2017*",
        {"authors": ("Basura Fernando", "Hakan Bilen", "Efstratios Gavves", "Stephen Gould"),
         "venue": "CVPR", "year": 2017, "writes_back": False},
    ),
    (
        "[SfMLearner](https://arxiv.org/pdf/1704.07813.pdf), Zhou, Tinghui and Lowe, David G. "
        "*CVPR 2017*",
        {"authors": ("Tinghui Zhou", "David G. Lowe"), "venue": "CVPR", "year": 2017},
    ),
    (  # equal-contribution marks are no emphasis and no part of a name
        "[Grasp2Vec](https://arxiv.org/pdf/1811.06964.pdf), Eric Jang*, Coline Devin*, "
        "Vincent Vanhoucke, Sergey Levine. *CoRL 2018*",
        {"authors": ("Eric Jang", "Coline Devin", "Vincent Vanhoucke", "Sergey Levine"),
         "venue": "CoRL", "year": 2018, "writes_back": False},
    ),
    (  # a bold title, then bold text: no alias
        "**Deep Residual Learning**, **Best Paper** [[pdf]](http://x.org/r.pdf)",
        {"title": "Deep Residual Learning", "alias": ""},
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


def test_a_new_entry_is_written_in_a_citation_section_s_style() -> None:
    """A paper from Zotero in an MLA section: its authors first (the first turned round),
    its title in bold with the period, and it reads back to the same fields."""
    from dataclasses import replace

    model = parse_entry_text(
        "**Ref-Reasoning**: Yang, Sibei, and Yizhou Yu. **Graph reasoning.** Proc. CVPR. "
        "2020. [[Paper]](http://x.org/1.pdf)"
    )
    assert model is not None
    new = replace(
        model.content,
        title="Attention Is All You Need",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        et_al=True,
        venue="NeurIPS",
        year=2017,
        alias="",
        url="https://arxiv.org/abs/1706.03762",
    )
    text = render_entry(new, model.style)
    assert text == (
        "Vaswani, Ashish, and Noam Shazeer et al. **Attention Is All You Need.** NeurIPS. 2017. "
        "[[Paper]](https://arxiv.org/abs/1706.03762)"
    )
    again = parse_entry_text(text)
    assert again is not None and again.content == new


@pytest.mark.parametrize(
    "title", ["Attention is all you need.", "000.", "Deep learning\\.", "U.S. results."]
)
def test_a_title_s_own_final_period_survives_a_style_that_adds_one(title: str) -> None:
    from zotsync.core.entries import EntryContent, EntryStyle

    content = EntryContent(title=title, url="https://x.org/1", venue="ICLR", year=2020)
    for style in (EntryStyle(), EntryStyle(title="bold", title_period=True)):
        parsed = parse_entry_text(render_entry(content, style))
        assert parsed is not None and parsed.content.title == title


def test_an_alias_with_no_place_in_the_style_is_written_in_brackets_and_kept() -> None:
    from zotsync.core.entries import EntryContent, EntryStyle

    content = EntryContent(title="Focal Loss", url="https://x.org/1", alias="RetinaNet")
    text = render_entry(content, EntryStyle())
    assert text.startswith("[RetinaNet] [Focal Loss](https://x.org/1)")
    parsed = parse_entry_text(text)
    assert parsed is not None and parsed.content == content


def test_an_entry_that_names_its_first_authors_only_exports_and_others() -> None:
    """``K. He et al.``: the .bib says ``and others`` (BibTeX's "et al."), a full list not."""
    from zotsync.adapters.bibtex import ExportOptions
    from zotsync.app.export import entry_block
    from zotsync.core.entries import Entry
    from zotsync.core.mapping import Mapping, item_fields

    mapping = Mapping.from_dict({"venues": {}})
    cases = ((True, "author = {Gregor, K. and others}"), (False, "author = {Gregor, K.}"))
    for et_al, expected in cases:
        entry = Entry(id="draw-2015", title="DRAW", year=2015, authors=("K. Gregor",), et_al=et_al)
        data = item_fields(entry, mapping, "x")
        block = entry_block(data, "gregorDRAW2015", "bibtex", ExportOptions())
        assert expected in block, block
