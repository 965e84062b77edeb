"""The seeds through the commands a user types: ingest, render, edit, re-ingest."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import SEED_000, SEED_002, SEEDS, run


def rendered(folder: Path, tmp_path: Path) -> bytes:
    out = tmp_path / "out.md"
    result = run("render", "--entries", folder, "-o", out)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.unified_diff(
        before.decode().splitlines(), after.decode().splitlines(), lineterm="", n=0
    )
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_ingest_then_render_gives_the_seed_back_byte_for_byte(
    seed: Path, seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    assert rendered(seed_lists[seed.stem], tmp_path) == seed.read_bytes()


def test_render_to_stdout_without_output_file(seed_lists: dict[str, Path]) -> None:
    result = run("render", "--entries", seed_lists[SEED_002.stem])
    assert result.exit_code == 0
    assert result.stdout_bytes == SEED_002.read_bytes()


def test_render_check_exits_1_when_stale_and_0_when_current(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    out = tmp_path / "README.md"
    out.write_bytes(SEED_000.read_bytes().replace(b"TPAMI 2019", b"TPAMI 2018"))
    stale = run("render", "--entries", folder, "-o", out, "--check")
    assert stale.exit_code == 1
    assert "stale" in stale.output and "line 24" in stale.output
    assert b"TPAMI 2018" in out.read_bytes(), "--check must not write"
    assert run("render", "--entries", folder, "-o", out).exit_code == 0
    current = run("render", "--entries", folder, "-o", out, "--check")
    assert current.exit_code == 0, current.output
    assert "up to date" in current.output


def _edit_yaml(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_fixing_a_title_in_yaml_changes_only_that_line(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    section = folder / "sections" / "research-areas--analysis-of-multimodal-models.yaml"
    _edit_yaml(section, "Itâ€™s harder", "It’s harder")
    after = rendered(folder, tmp_path)
    assert changed_lines(SEED_000.read_bytes(), after) == [
        "-[Does my multimodal model learn cross-modal interactions? Itâ€™s harder to tell than "
        "you might think!](https://arxiv.org/abs/2010.06572), EMNLP 2020",
        "+[Does my multimodal model learn cross-modal interactions? It’s harder to tell than "
        "you might think!](https://arxiv.org/abs/2010.06572), EMNLP 2020",
    ]


def test_editing_an_entry_that_kept_its_source_rewrites_it_in_section_style(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    """The ``//github.com`` entry keeps its exact source until its fields change."""
    folder = seed_lists[SEED_000.stem]
    section = folder / "sections" / "research-areas--representation-learning.yaml"
    _edit_yaml(
        section,
        "code: //github.com/alextamkin/viewmaker",
        "code: https://github.com/alextamkin/viewmaker",
    )
    diff = changed_lines(SEED_000.read_bytes(), rendered(folder, tmp_path))
    assert len(diff) == 2
    assert diff[1].endswith("ICLR 2021 [[code]](https://github.com/alextamkin/viewmaker)")


def test_an_entry_added_by_hand_appears_in_its_section_in_the_neighbours_style(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    section = folder / "sections" / "research-areas--multimodal-fusion.yaml"
    with section.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n- id: attention-bottlenecks-2021\n"
            "  title: Attention Bottlenecks for Multimodal Fusion\n"
            "  url: https://arxiv.org/abs/2107.00135\n"
            "  venue: NeurIPS\n  year: 2021\n"
            "  links:\n    code: https://github.com/google-research/scenic\n"
        )
    after = rendered(folder, tmp_path).decode()
    new_line = (
        "[Attention Bottlenecks for Multimodal Fusion](https://arxiv.org/abs/2107.00135), "
        "NeurIPS 2021 [[code]](https://github.com/google-research/scenic)"
    )
    diff = changed_lines(SEED_000.read_bytes(), after.encode())
    assert sorted(diff) == ["+", "+" + new_line]
    lines = after.splitlines()
    at = lines.index(new_line)
    # It follows the section's last entry, before the next heading.
    assert lines[at - 2].startswith("[Jointly Modeling Deep Video")
    assert lines[at + 3] == "### Analysis of Multimodal Models"


def test_an_entry_added_to_a_list_style_section_gets_the_bullet_and_author_style(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_002.stem]
    section = folder / "sections" / "contrastive-learning.yaml"
    with section.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n- id: align-2021\n  title: Scaling Up Visual and Vision-Language Representation"
            " Learning With Noisy Text Supervision\n  url: https://arxiv.org/abs/2102.05918\n"
            "  year: 2021\n  authors:\n  - Chao Jia\n  - Yinfei Yang\n  - Ye Xia\n"
        )
    after = rendered(folder, tmp_path).decode().splitlines()
    expected = (
        "- **Scaling Up Visual and Vision-Language Representation Learning With Noisy Text "
        "Supervision**, (2021) [[paper]](https://arxiv.org/abs/2102.05918), by *Chao Jia, "
        "Yinfei Yang, and Ye Xia*"
    )  # no trailing blank: that was a quirk of its neighbour's line, not the section's style
    at = after.index(expected)
    assert after[at - 1].startswith("- **Learning Transferable Visual Models")


def test_moving_an_entry_to_another_section_file_moves_it_in_the_markdown(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_002.stem]
    source = folder / "sections" / "transformer-based.yaml"
    target = folder / "sections" / "contrastive-learning.yaml"
    data = yaml.safe_load(source.read_text("utf-8"))
    moved = data["entries"].pop(1)
    source.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    goal = yaml.safe_load(target.read_text("utf-8"))
    goal["entries"].append(moved)
    target.write_text(yaml.safe_dump(goal, sort_keys=False), "utf-8")
    lines = rendered(folder, tmp_path).decode().splitlines()
    rosita = next(n for n, line in enumerate(lines) if line.startswith("- **ROSITA"))
    heading = lines.index("## Contrastive Learning")
    assert rosita == heading + 2
    assert len(lines) == len(SEED_002.read_text().splitlines())


def test_reingesting_an_edited_readme_updates_entries_in_place(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    ids_before = sorted(p.read_text() for p in (folder / "sections").glob("*.yaml"))
    id_pattern = re.compile(r"^- id: (\S+)$", re.M)
    before_ids = {m for text in ids_before for m in id_pattern.findall(text)}
    text = SEED_000.read_text("utf-8")
    text = text.replace("https://arxiv.org/abs/6.5538", "https://arxiv.org/abs/1206.5538")
    text = text.replace(
        "[Dynamic Fusion for Multimodal Data](https://arxiv.org/abs/1911.03821), arXiv 2019\n",
        "[Dynamic Fusion for Multimodal Data](https://arxiv.org/abs/1911.03821), arXiv 2019\n\n"
        "[Attention Bottlenecks for Multimodal Fusion](https://arxiv.org/abs/2107.00135), "
        "NeurIPS 2021\n",
    )
    edited = tmp_path / "edited.md"
    edited.write_text(text, "utf-8")
    result = run("ingest", edited, "--entries", folder, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["added"] == ["attention-bottlenecks-multimodal-fusion-2021"]
    assert report["changed"] == [
        {"id": "representation-learning-review-new-perspectives-2013", "fields": ["url"]}
    ]
    assert report["removed"] == [] and report["moved"] == []
    assert report["unchanged"] == 111
    after_ids = {
        m for p in (folder / "sections").glob("*.yaml") for m in id_pattern.findall(p.read_text())
    }
    assert after_ids == before_ids | {"attention-bottlenecks-multimodal-fusion-2021"}
    assert rendered(folder, tmp_path) == text.encode()


def test_reingest_matches_a_paper_whose_title_was_fixed_by_its_url(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    edited = tmp_path / "edited.md"
    edited.write_text(SEED_000.read_text().replace("Itâ€™s harder", "It’s harder"), "utf-8")
    report = json.loads(run("ingest", edited, "--entries", folder, "--json").output)
    assert report["changed"] == [
        {"id": "my-multimodal-model-learn-cross-2020", "fields": ["title"]}
    ]
    assert report["added"] == [] and report["removed"] == []


def test_ingest_reports_removed_papers_and_dry_run_writes_nothing(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    from conftest import snapshot

    folder = seed_lists[SEED_002.stem]
    before = snapshot(folder)
    text = SEED_002.read_text().replace(
        "  - [[Blog--CLIP: Connecting Text and Images]](https://openai.com/blog/clip/), by *Alec"
        " Radford, Ilya Sutskever, Jong Wook Kim, Gretchen Krueger, and Sandhini Agarwal*\n",
        "",
    )
    edited = tmp_path / "edited.md"
    edited.write_text(text, "utf-8")
    result = run("ingest", edited, "--entries", folder, "--dry-run")
    assert result.exit_code == 0
    assert "1 removed" in result.output and "removed   clip-connecting-text-images" in result.output
    assert snapshot(folder) == before
    assert run("ingest", edited, "--entries", folder).exit_code == 0
    assert rendered(folder, tmp_path) == text.encode()


def test_the_committed_entries_render_the_committed_readmes(project: Path) -> None:
    import os

    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = run("render", "--check")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert (project / "entries/multimodal-sequence-learning/README.md").read_bytes() == (
        SEED_000.read_bytes()
    )
    assert (project / "entries/multimodal-representation-learning/README.md").read_bytes() == (
        SEED_002.read_bytes()
    )


def test_entry_yaml_is_deterministic(seed_lists: dict[str, Path], tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert run("ingest", SEED_000, "--entries", again).exit_code == 0
    first = seed_lists[SEED_000.stem]
    for path in sorted((first / "sections").glob("*.yaml")):
        assert (again / "sections" / path.name).read_bytes() == path.read_bytes()
    assert (again / "list.yaml").read_bytes() == (first / "list.yaml").read_bytes()


def test_ingesting_a_readme_never_undoes_yaml_edits(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    section = folder / "sections" / "research-areas--analysis-of-multimodal-models.yaml"
    _edit_yaml(section, "Itâ€™s harder", "It’s harder")
    seed = SEED_000.read_bytes()
    # The README has not changed since it was ingested: the entries' edit stands, and
    # ingest says the README lacks it (a file that is not the list's own is only read).
    kept = run("ingest", SEED_000, "--entries", folder)
    assert kept.exit_code == 0, kept.output
    assert "kept 1 edit(s) of the entries" in kept.output and "render -o" in kept.output
    assert "It’s harder" in section.read_text()
    assert SEED_000.read_bytes() == seed
    # Rendered first, the README shows the fix; editing and ingesting it keeps the fix.
    readme = tmp_path / "README.md"
    assert run("render", "--entries", folder, "-o", readme).exit_code == 0
    readme.write_text(
        readme.read_text().replace("ICML 2011", "ICML 2011 [[pdf]](https://x.org/a.pdf)")
    )
    result = run("ingest", readme, "--entries", folder, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changed"] == [
        {"id": "multimodal-deep-learning-2011", "fields": ["links"]}
    ]
    assert "It’s harder" in section.read_text()
    forced = run("ingest", SEED_000, "--entries", folder, "--force")
    assert forced.exit_code == 0
    assert "Itâ€™s harder" in section.read_text()


def test_moving_a_paragraph_under_another_heading_reports_a_move(
    seed_lists: dict[str, Path], tmp_path: Path
) -> None:
    folder = seed_lists[SEED_000.stem]
    line = "[Dynamic Fusion for Multimodal Data](https://arxiv.org/abs/1911.03821), arXiv 2019\n"
    text = SEED_000.read_text().replace(line, "", 1)
    text = text.replace("## Datasets\n\n", "## Datasets\n\n" + line + "\n", 1)
    edited = tmp_path / "moved.md"
    edited.write_text(text)
    report = json.loads(run("ingest", edited, "--entries", folder, "--json").output)
    assert report["moved"] == [
        {
            "id": "dynamic-fusion-multimodal-data-2019",
            "from": "research-areas--multimodal-fusion",
            "to": "datasets",
        }
    ]
    assert report["added"] == [] and report["removed"] == [] and report["changed"] == []
    assert rendered(folder, tmp_path) == text.encode()
