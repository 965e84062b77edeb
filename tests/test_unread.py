"""What ingest could not read is said, with file:line, before anything reaches Zotero: a line
with a paper link that stayed in the frame."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run

LIST = """# Papers

- [Attention Is All You Need](https://arxiv.org/abs/1706.03762), NeurIPS 2017

Some intro text without links.

(NeurIPS 2020) weird style **Hidden paper**, A. Author et al. [[Paper](https://arxiv.org/abs/2006.11239)]

![badge](https://img.shields.io/badge/x-y-green)
"""


def test_ingest_names_the_lines_with_a_link_it_did_not_read(tmp_path: Path) -> None:
    source = tmp_path / "README.md"
    source.write_text(LIST)
    result = run("ingest", source, "--entries", tmp_path / "e")
    assert result.exit_code == 0
    assert "1 entries" in result.stdout
    assert f"not read as entries: 1 line(s) with a link, {source}:7 " in result.stdout
    report = json.loads(run("ingest", source, "--entries", tmp_path / "e", "--json").stdout)
    assert report["unread_lines"] == [7]
