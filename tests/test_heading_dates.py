"""A year or venue given by the section's heading is the item's when the entry has none;
the item's `extra` says it came from the heading, and the list is written as it was."""

from __future__ import annotations

import pytest

from zotsync.adapters.markdown_list import read_list, render_list
from zotsync.core.assemble import build_list
from zotsync.core.mapping import Mapping, heading_date
from zotsync.sync.desired import desired_library

MAPPING = Mapping.from_dict(
    {"venues": {"CVPR": {"type": "conferencePaper", "name": "Proceedings of CVPR"}}}
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("Papers", "2019"), ("", 2019)),
        (("Robotics", "More Papers from 2016"), ("", 2016)),
        (("CVPR 2023",), ("CVPR", 2023)),
        (("Conferences", "CVPR2024", "Detection"), ("CVPR", 2024)),
        (("Vision", "Detection"), ("", None)),
        (("GPT-2025 notes",), ("", None)),  # no venue the table knows
        (("Top 100 of 2020s",), ("", None)),
    ],
)
def test_heading_date(path: tuple[str, ...], expected: tuple[str, int | None]) -> None:
    assert heading_date(path, MAPPING.venues) == expected


LIST = (
    "# Papers\n\n## 2019\n"
    "- [Learning long-range perception](https://arxiv.org/abs/1809.07207), RA-L\n"
    "- [Another one](https://arxiv.org/abs/1809.07208), ICRA 2018\n\n"
    "## CVPR 2023\n- [A detector](https://arxiv.org/abs/2301.00001)\n"
)


def test_the_heading_gives_what_the_entry_lacks_and_the_list_stays_as_written() -> None:
    reading_list, _ = build_list(read_list(LIST), None)
    assert render_list(reading_list).text == LIST
    items = desired_library(reading_list, MAPPING, "Root", "x").items.values()
    fields = {item.fields["title"]: item.fields for item in items}
    first = fields["Learning long-range perception"]
    assert first["date"] == "2019" and "zotsync-from-heading: year" in first["extra"]
    second = fields["Another one"]  # its own year stays
    assert second["date"] == "2018" and "from-heading" not in second["extra"]
    detector = fields["A detector"]
    assert detector["date"] == "2023" and detector["itemType"] == "conferencePaper"
    assert detector["proceedingsTitle"] == "Proceedings of CVPR"
    assert "zotsync-from-heading: year, venue" in detector["extra"]
    entry = next(e for _, e in reading_list.entries() if e.title == "A detector")
    assert entry.year is None and entry.venue == ""  # the entry says what its line says
