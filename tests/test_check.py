"""`zotsync check` finds every problem the seeds really have, each with file:line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import SEED_000, SEED_002, run


def findings(folder: Path) -> list[dict[str, object]]:
    result = run("check", "--entries", folder, "--json")
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def seed_line(seed: Path, text: str) -> int:
    return next(n for n, line in enumerate(seed.read_text().splitlines(), 1) if text in line)


def test_seed_000_problems_are_all_found_at_their_lines(seed_lists: dict[str, Path]) -> None:
    found = findings(seed_lists[SEED_000.stem])
    by_code: dict[str, list[int]] = {}
    for finding in found:
        by_code.setdefault(str(finding["code"]), []).append(int(finding["list_line"]))  # type: ignore[arg-type]
    empty = [n for n, line in enumerate(SEED_000.read_text().splitlines(), 1) if "]()" in line]
    assert sorted(by_code["empty-url"]) == empty and len(empty) == 8
    assert by_code["malformed-url"] == [seed_line(SEED_000, "http//dl.acm.org")]
    assert by_code["bad-arxiv-id"] == [seed_line(SEED_000, "arxiv.org/abs/6.5538")]
    assert by_code["protocol-relative-url"] == [seed_line(SEED_000, "(//github.com")]
    assert by_code["mojibake"] == [seed_line(SEED_000, "Itâ€™s")]
    assert by_code["venue-case"] == [seed_line(SEED_000, "ACl 2020")]
    # Listed twice: the same OpenReview paper, the same title, and M-BERT = the same arXiv id.
    assert sorted(by_code["duplicate"]) == sorted(
        [
            seed_line(SEED_000, "M-BERT"),
            [
                n
                for n, line in enumerate(SEED_000.read_text().splitlines(), 1)
                if "Integrating Multimodal Information" in line
            ][1],
            [
                n
                for n, line in enumerate(SEED_000.read_text().splitlines(), 1)
                if "6UdQLhqJyFD" in line
            ][1],
        ]
    )


def test_findings_point_at_the_yaml_file_and_line_to_fix(seed_lists: dict[str, Path]) -> None:
    folder = seed_lists[SEED_000.stem]
    for finding in findings(folder):
        path = Path(str(finding["file"]))
        line = int(finding["line"])  # type: ignore[arg-type]
        assert path.parent == folder / "sections"
        assert path.read_text().splitlines()[line - 1].startswith("- id: ")


def test_seed_002_mojibake_and_placeholder_outline(seed_lists: dict[str, Path]) -> None:
    found = findings(seed_lists[SEED_002.stem])
    got = {(f["code"], f["list_line"]) for f in found}
    assert got == {
        ("mojibake", seed_line(SEED_002, "DALL")),
        ("placeholder", seed_line(SEED_002, "TEMP PLACEHOLDER")),
        ("placeholder", seed_line(SEED_002, "TEMP PLACEHOLDER") + 1),
    }
    frame = [f for f in found if f["code"] == "placeholder"]
    assert all(str(f["file"]).endswith("frame.md") for f in frame)


def test_text_output_is_file_colon_line(seed_lists: dict[str, Path]) -> None:
    result = run("check", "--entries", seed_lists[SEED_002.stem])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    path, line, rest = first.split(":", 2)
    assert Path(path).exists() and line.isdigit() and "mojibake" in rest
    assert "3 finding(s)" in result.stderr


def test_a_clean_list_exits_0(tmp_path: Path) -> None:
    source = tmp_path / "clean.md"
    source.write_text(
        "# Clean\n\n## Papers\n\n[A Paper](https://arxiv.org/abs/2101.00001), ICLR 2021\n", "utf-8"
    )
    assert run("ingest", source, "--entries", tmp_path / "e").exit_code == 0
    result = run("check", "--entries", tmp_path / "e")
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.stderr


def test_citation_key_collisions_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "l.md"
    source.write_text(
        "## P\n\n[A](https://arxiv.org/abs/2101.00001), ICLR 2021\n\n"
        "[B](https://arxiv.org/abs/2101.00002), ICLR 2021\n",
        "utf-8",
    )
    folder = tmp_path / "e"
    assert run("ingest", source, "--entries", folder).exit_code == 0
    section = folder / "sections" / "p.yaml"
    # ingest gave each entry its own key; a hand edit gives both the same one.
    keys = re.findall(r"citation_key: (\S+)", section.read_text())
    assert len(set(keys)) == 2
    text = re.sub(r"citation_key: \S+", "citation_key: a2021", section.read_text())
    section.write_text(text)
    result = run("check", "--entries", folder)
    assert result.exit_code == 1
    assert "citation-key-collision" in result.output and "'a2021'" in result.output


def test_implausible_fields_and_bad_schemes_are_findings() -> None:
    from zotsync.core.check import implausible, url_problem
    from zotsync.core.entries import Entry

    assert url_problem("htp://x.org/a") == (
        "bad-url-scheme",
        "htp:// is no web address: htp://x.org/a (did you mean https://?)",
    )
    assert url_problem("https://x.org/a") is None and url_problem("ftp://x.org/a") is None
    codes = {
        title_or_venue: [code for code, _ in implausible(entry)]
        for title_or_venue, entry in {
            "[4]": Entry(id="a", title="[4]"),
            "1": Entry(id="b", title="1"),
            "BERT": Entry(id="c", title="BERT"),
            "<br>": Entry(id="d", title="Attention", venue="<br>"),
            "et al": Entry(id="e", title="Attention", venue="G. Hinton et al."),
            "ICLR": Entry(id="f", title="Attention", venue="ICLR"),
        }.items()
    }
    assert codes == {
        "[4]": ["implausible-title"],
        "1": ["implausible-title"],
        "BERT": [],
        "<br>": ["venue-markup"],
        "et al": ["venue-is-authors"],
        "ICLR": [],
    }


def test_a_paper_listed_twice_says_where_the_two_texts_differ(seed_lists: dict[str, Path]) -> None:
    found = findings(seed_lists[SEED_000.stem])
    twice = [str(f["message"]) for f in found if f["code"] == "duplicate"]
    # M-BERT: the same arXiv id under two titles; the OpenReview paper: the same text twice
    assert any("same arxiv" in m and "they differ in title" in m for m in twice), twice
    assert any("same openreview" in m and "differ" not in m for m in twice), twice
