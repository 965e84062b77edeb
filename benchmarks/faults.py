"""The fault matrix: every fault at every request (and every local file write) of a first
import and of a two-way sync; after each faulted run, a fault-free `zotsync sync` must give
exactly what a fault-free run gives.

    python benchmarks/faults.py            # the whole matrix (a few minutes)
    python benchmarks/faults.py --quick    # first, middle and last position of each fault (CI)

Scenarios (the repository's two lists, syncing to a sandbox group over HTTP):
- ``import``: the first sync of both lists into an empty group;
- ``two-way``: after a first sync, edits on both sides: in the list a paper added, a title
  fixed, a paper moved to another section and one removed; in Zotero (a teammate) a paper
  filed, a title fixed, a paper moved to another collection, one deleted; and one title
  changed differently on both sides (a conflict, left alone: exit 3).

Faults, injected by the sandbox at request N (every N the scenario makes): the connection
dropped before the request is handled (``drop-before``) or after it committed (``drop-after``,
the response lost), ``500``, ``503`` with ``Backoff: 1``, ``429`` with ``Retry-After: 1``, a
teammate's write just before the request (``teammate``: the next write meets 412), the
process SIGKILLed while its request N is in flight (``kill``: N commits, nobody hears the
answer); and ``kill-write``: the process SIGKILLed half-way through its Nth local file write
(YAML, state, journal, cache; ``ZOTSYNC_KILL_AT_WRITE``).

Each run is compared with the fault-free reference: Zotero's collections, items (type, title,
date, URL, creators, tags, collections, trashed) and links; each list's entries, rendered
Markdown and sync state; duplicates (an object twice); lost edits (facts of the reference
missing); stray files (temp files, unreadable YAML).  `zotsync sync` is run as a separate
process, exactly as a user runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lists import work_dir

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO.parent / "shared" / "zotero-schema.json"
GROUP = 4242
KINDS = ("drop-before", "drop-after", "500", "503", "429", "teammate", "kill", "kill-write")
SEQ = "multimodal-sequence-learning"
FUSION = ("Awesome Multimodal Sequence Learning", "Research Areas", "Multimodal Fusion")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Run:
    """One sync process and what the sandbox saw of it."""

    exit_code: int
    requests: int
    output: str


@dataclass
class World:
    """A sandbox on a fixed port (the state's identity names the endpoint) and a project."""

    root: Path
    port: int
    server: Any = None
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def project(self) -> Path:
        return self.root / "project"

    def start(self, db: Path) -> None:
        from zotsync.sandbox.schema import load_schema
        from zotsync.sandbox.server import Sandbox

        self.server = Sandbox(db, groups=(GROUP,), schema=load_schema(SCHEMA), port=self.port)
        for attempt in range(50):  # the previous run's socket may linger a moment
            try:
                self.server.start()
                return
            except OSError:
                time.sleep(0.1 * (attempt + 1))
        raise RuntimeError(f"port {self.port} stays busy")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def sync(self, env: dict[str, str] | None = None) -> Run:
        from zotsync.sandbox.server import DEFAULT_KEY

        before = len(self.server.requests)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zotsync", "sync", "--json"],
            cwd=self.project,
            env={**os.environ, "ZOTERO_API_KEY": DEFAULT_KEY, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output, _ = self.process.communicate(timeout=300)
        code = self.process.returncode
        self.process = None
        return Run(code, len(self.server.requests) - before, output)

    def kill_client(self, _sandbox: Any) -> None:
        """A fault action: SIGKILL the sync process while its request is in flight."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def make_project(folder: Path, url: str) -> None:
    for name in ("entries", "mappings"):
        shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns(".zotsync-cache"))
    config = (REPO / "zotsync.yaml").read_text()
    config = config.replace("library: sandbox", f'library: {{group: {GROUP}, endpoint: "{url}"}}')
    (folder / "zotsync.yaml").write_text(config)


# --------------------------------------------------------------------------- what is there


def read_library(url: str) -> dict[str, Any]:
    from zotsync.sandbox.server import DEFAULT_KEY

    out: dict[str, Any] = {}
    with httpx2.Client(
        base_url=url, headers={"Zotero-API-Key": DEFAULT_KEY}, trust_env=False, timeout=30
    ) as http:
        for path, param in (("collections", "collectionKey"), ("items", "itemKey")):
            versions = http.get(
                f"/groups/{GROUP}/{path}", params={"format": "versions", "includeTrashed": 1}
            ).json()
            keys = sorted(versions)
            found = {}
            for start in range(0, len(keys), 50):
                chunk = ",".join(keys[start : start + 50])
                for obj in http.get(
                    f"/groups/{GROUP}/{path}", params={param: chunk, "includeTrashed": 1}
                ).json():
                    found[obj["key"]] = obj["data"]
            out[path] = found
    return out


def path_of(lib: dict[str, Any], key: str) -> tuple[str, ...]:
    names = []
    while key:
        data = lib["collections"][key]
        names.append(data["name"])
        key = data["parentCollection"] or ""
    return tuple(reversed(names))


@dataclass
class Outcome:
    facts: Counter[Any] = field(default_factory=Counter)
    stray: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for fact, n in self.facts.items() if n > 1 and fact[0] != "entry")


def outcome(world: World) -> Outcome:
    """Everything a user could look at after the run, as comparable facts (no keys, no
    versions: those differ between runs)."""
    from zotsync.adapters.markdown_list import render_list
    from zotsync.adapters.yaml_store import load_list

    lib = read_library(world.url)
    facts: Counter[Any] = Counter()
    titles = {}
    for key, data in lib["collections"].items():
        facts[("collection", path_of(lib, key), bool(data.get("deleted")))] += 1
    for key, data in lib["items"].items():
        if data["itemType"] == "attachment":
            continue
        titles[key] = data.get("title", "")
        facts[
            (
                "item",
                data["itemType"],
                data.get("title", ""),
                data.get("date", ""),
                data.get("url", ""),
                json.dumps(data.get("creators", []), sort_keys=True),
                tuple(sorted(t["tag"] for t in data.get("tags", []))),
                tuple(sorted(path_of(lib, c) for c in data.get("collections", []))),
                data.get("citationKey", ""),
                bool(data.get("deleted")),
            )
        ] += 1
    for data in lib["items"].values():
        if data["itemType"] == "attachment":
            parent = titles.get(data.get("parentItem", ""), "?")
            facts[("link", parent, data["title"], data["url"], bool(data.get("deleted")))] += 1
    outcome = Outcome(facts)
    for name in (SEQ, "multimodal-representation-learning"):
        folder = world.project / "entries" / name
        try:
            reading_list, _ = load_list(folder)
        except Exception as error:  # a half-written file would land here
            outcome.stray.append(f"{name}: {error}")
            continue
        for section, entry in reading_list.entries():
            facts[("entry", name, section.path, entry)] += 1
        text = render_list(reading_list).text
        facts[("markdown", name, hashlib.sha1(text.encode()).hexdigest())] += 1
        state = json.loads((folder / "sync-state.json").read_text())
        for entry_id, record in state["items"].items():
            facts[("state", name, entry_id, titles.get(record["key"], "(not in Zotero)"))] += 1
        for collection in state["collections"]:
            facts[("state-collection", name, tuple(collection["path"]))] += 1
        if (folder / "sync-state.json.journal").exists():
            outcome.stray.append(f"{name}: a journal left (the state was not compacted)")
    for temp in world.project.rglob("*.tmp"):
        outcome.stray.append(f"temp file left: {temp.relative_to(world.project)}")
    return outcome


# --------------------------------------------------------------------------- scenarios


def two_way_edits(world: World) -> None:
    """The same edits on both sides before every two-way run (the conflict included)."""
    sections = world.project / "entries" / SEQ / "sections"
    fusion = sections / "research-areas--multimodal-fusion.yaml"
    text = fusion.read_text()
    text = text.replace(
        "title: Dual Low-Rank Multimodal Fusion", "title: Dual Low-Rank Multimodal Fusion (fixed)"
    )
    text = text.replace(
        "title: Deep Multimodal Fusion by Channel Exchanging",
        "title: Deep Multimodal Fusion by Channel Exchanging (list)",
    )
    text += (
        "\n- id: added-in-the-list-2024\n  title: A Paper Added in the List\n"
        "  url: https://arxiv.org/abs/2401.00001\n  venue: arXiv\n  year: 2024\n"
    )
    fusion.write_text(text)
    pretraining = sections / "research-areas--multimodal-pretraining.yaml"
    lines = pretraining.read_text().split("\n- id: ")
    moved, removed = lines[1], lines[2]
    pretraining.write_text("\n- id: ".join([lines[0], *lines[3:]]))
    survey = sections / "survey-papers.yaml"
    survey.write_text(survey.read_text().rstrip("\n") + "\n\n- id: " + moved.rstrip("\n") + "\n")
    assert removed  # dropped from the list

    lib = read_library(world.url)
    by_title = {d.get("title"): (k, d) for k, d in lib["items"].items()}
    fusion_key = next(k for k in lib["collections"] if path_of(lib, k) == FUSION)
    datasets_key = next(k for k in lib["collections"] if path_of(lib, k) == (FUSION[0], "Datasets"))
    edits: list[dict[str, Any]] = [
        {
            "itemType": "preprint",
            "title": "A Paper a Teammate Filed",
            "date": "2024",
            "url": "https://arxiv.org/abs/2402.00002",
            "collections": [fusion_key],
        }
    ]
    key, data = by_title["Deep Multimodal Fusion by Channel Exchanging"]
    edits.append({"key": key, "version": lib_version(data), "title": data["title"] + " (zotero)"})
    key, data = by_title[
        "Cross-Attentional Audio-Visual Fusion for Weakly-Supervised Action Localization"
    ]
    edits.append({"key": key, "version": lib_version(data), "title": data["title"] + " [v2]"})
    key, data = by_title["Trusted Multi-View Classification"]
    edits.append({"key": key, "version": lib_version(data), "collections": [datasets_key]})
    world.server.teammate_write(GROUP, "item", edits)
    gone, gone_data = by_title["Dynamic Fusion for Multimodal Data"]
    with httpx2.Client(base_url=world.url, trust_env=False) as http:
        response = http.delete(
            f"/groups/{GROUP}/items/{gone}",
            headers={
                "Zotero-API-Key": world.server.teammate_key.key,
                "If-Unmodified-Since-Version": str(lib_version(gone_data)),
            },
        )
        assert response.status_code == 204, response.text


def lib_version(data: dict[str, Any]) -> int:
    return int(data["version"])


@dataclass
class Scenario:
    name: str
    prepare: Callable[[World], None]  # edits made before the sync under test


SCENARIOS = {
    "import": Scenario("import", lambda world: None),
    "two-way": Scenario("two-way", two_way_edits),
}


class Matrix:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.templates: dict[str, Path] = {}

    def template(self, scenario: str) -> Path:
        """The starting point of a scenario: project folder and sandbox database."""
        if scenario in self.templates:
            return self.templates[scenario]
        root = self.work / f"template-{scenario}"
        world = World(root, self.port)
        make_project(world.project, self.url)
        world.start(root / "sandbox.sqlite")
        try:
            if scenario == "two-way":
                first = world.sync()
                assert first.exit_code == 0, first.output
        finally:
            world.stop()
        self.templates[scenario] = root
        return root

    def fresh(self, scenario: str, name: str) -> World:
        template = self.template(scenario)
        root = self.work / name
        shutil.copytree(template, root)
        world = World(root, self.port)
        world.start(root / "sandbox.sqlite")
        SCENARIOS[scenario].prepare(world)
        return world

    def reference(self, scenario: str) -> tuple[Outcome, int, int]:
        """The fault-free result, the requests the sync makes and the exit status."""
        world = self.fresh(scenario, f"reference-{scenario}")
        try:
            run = world.sync()
            assert run.exit_code in (0, 3), run.output
            again = world.sync()
            assert again.exit_code == run.exit_code, again.output
            return outcome(world), run.requests, run.exit_code
        finally:
            world.stop()

    def faulted(self, scenario: str, kind: str, position: int, n: int) -> tuple[Run, Outcome]:
        from zotsync.sandbox.server import Fault

        world = self.fresh(scenario, f"{scenario}-{kind}-{position}-{n}")
        try:
            env = {}
            at = world.server.request_count + position  # the sync's own Nth request
            if kind == "kill-write":
                env["ZOTSYNC_KILL_AT_WRITE"] = str(position)
            elif kind == "kill":
                world.server.inject(Fault("teammate", at=at, action=world.kill_client))
            else:
                world.server.inject(Fault(kind, at=at, seconds=1))
            faulted = world.sync(env)
            world.server.clear_faults()
            world.sync()
            return faulted, outcome(world)
        finally:
            world.stop()
            shutil.rmtree(world.root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="first, middle, last positions")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--kind", action="append", choices=KINDS)
    args = parser.parse_args()
    rows = run_matrix(args.scenario or list(SCENARIOS), args.kind or list(KINDS), args.quick)
    print(table(rows))
    failed = [r for r in rows if r["converged"] != r["runs"] or r["duplicates"] or r["lost"]]
    return 1 if failed else 0


def run_matrix(
    scenarios: list[str], kinds: list[str], quick: bool, echo: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    rows = []
    with work_dir("zotsync-faults-") as tmp:
        matrix = Matrix(Path(tmp))
        for scenario in scenarios:
            reference, requests, status = matrix.reference(scenario)
            assert reference.duplicates == 0 and not reference.stray, reference.stray
            echo(f"{scenario}: fault-free sync makes {requests} requests, exit {status}")
            for kind in kinds:
                row = {
                    "scenario": scenario,
                    "fault": kind,
                    "runs": 0,
                    "converged": 0,
                    "duplicates": 0,
                    "lost": 0,
                    "stray": 0,
                    "failures": [],
                }
                positions: Any = range(1, requests + 1)
                if quick:
                    positions = sorted({1, (requests + 1) // 2, requests})
                if kind == "kill-write":  # every local write, until a run outlives them all
                    positions = itertools.count(1) if not quick else [1, 2, 3]
                for n, position in enumerate(positions, start=1):
                    start = time.perf_counter()
                    faulted, got = matrix.faulted(scenario, kind, position, n)
                    if kind == "kill-write" and faulted.exit_code != -signal.SIGKILL:
                        if n == 1:
                            raise AssertionError("the kill switch never fired")
                        break  # past the last local write of the run
                    lost = sum((reference.facts - got.facts).values())
                    row["runs"] += 1
                    ok = got.facts == reference.facts and not got.stray
                    row["converged"] += ok
                    row["duplicates"] += got.duplicates
                    row["lost"] += lost
                    row["stray"] += len(got.stray)
                    if not ok:
                        extra = sorted(map(str, (got.facts - reference.facts).keys()))[:3]
                        missing = sorted(map(str, (reference.facts - got.facts).keys()))[:3]
                        row["failures"].append(
                            f"{kind}@{position}: exit {faulted.exit_code}; missing {missing}; "
                            f"extra {extra}; stray {got.stray[:3]}"
                        )
                    echo(
                        f"  {scenario} {kind}@{position}: exit {faulted.exit_code}, "
                        f"{'converged' if ok else 'DIVERGED'} ({time.perf_counter() - start:.1f} s)"
                    )
                rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| scenario | fault | runs | converged | duplicates | lost edits | stray files |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['fault']} | {r['runs']} | {r['converged']} | "
            f"{r['duplicates']} | {r['lost']} | {r['stray']} |"
        )
    for r in rows:
        lines.extend(f"  {failure}" for failure in r["failures"])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
