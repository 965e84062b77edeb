"""A table of contents is no section of papers: it gets no collection."""

from __future__ import annotations

from zotsync.adapters.markdown_list import read_list
from zotsync.core.assemble import build_list
from zotsync.core.document import navigation_sections
from zotsync.core.mapping import Mapping
from zotsync.sync.desired import desired_library

LIST = """# Awesome Things

## Contents
- [Papers](#papers)
    - [Vision](#vision)
1. [Datasets](#datasets) · [Contributing](#contributing)

## Papers
### Vision
- [ViT](https://arxiv.org/abs/2010.11929), ICLR 2021

## Datasets
To come.

## Links
- [A blog](#papers) and [an outside page](https://example.org/x)

## Empty
"""


def test_only_a_table_of_contents_gets_no_collection() -> None:
    reading_list, _ = build_list(read_list(LIST), None)
    assert navigation_sections(reading_list) == {"contents"}
    desired = desired_library(reading_list, Mapping.from_dict({"venues": {}}), "Root", "x")
    names = {path[-1] for path in desired.collections if path}
    # "Papers" holds entries only under it; "Datasets" says something; "Links" leaves the
    # list; an empty section is kept as the list has it (a teammate may file papers there)
    assert names == {"Papers", "Vision", "Datasets", "Links", "Empty"}
