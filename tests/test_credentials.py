"""login / whoami / logout: the key checked with /keys/current, kept in the OS keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring

from conftest import GROUP, KEY, run


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in memory (keyring's own plugin interface)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


@pytest.fixture
def memory_keyring():  # type: ignore[no-untyped-def]
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_login_checks_the_key_and_keeps_it(
    group_project: Path, sandbox, memory_keyring, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ZOTERO_API_KEY")
    result = run("login", "--key-stdin", input=f"{KEY}\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.secrets == {("zotsync", sandbox.url): KEY}
    assert KEY not in result.output
    who = run("whoami")
    assert who.exit_code == 0 and "user alice" in who.output and "read-write" in who.output
    assert f"{GROUP} (Sandbox group {GROUP})" in who.output
    synced = run("sync", "--list", "multimodal-representation-learning")
    assert synced.exit_code == 0, synced.output
    out = run("logout")
    assert out.exit_code == 0 and "key removed" in out.output
    assert memory_keyring.secrets == {}
    again = run("sync")
    assert again.exit_code == 2 and "zotsync login" in again.stderr


def test_a_read_only_or_unknown_key_is_refused(
    group_project: Path, memory_keyring, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ZOTERO_API_KEY")
    read_only = run("login", "--key-stdin", input="readonlykey\n")
    assert read_only.exit_code == 2
    assert "no write access to group 4242" in read_only.stderr
    unknown = run("login", "--key-stdin", input="nosuchkey\n")
    assert unknown.exit_code == 4 and "refused" in unknown.stderr
    assert memory_keyring.secrets == {}


def test_the_environment_overrides_the_keyring(
    group_project: Path, memory_keyring, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.secrets[("zotsync", "anything")] = "stale"
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    assert run("whoami").exit_code == 0


def test_no_keyring_backend_points_to_the_environment(group_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ZOTERO_API_KEY")
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        result = run("login", "--key-stdin", input=f"{KEY}\n")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 2
    assert "no OS keyring" in result.stderr and "ZOTERO_API_KEY" in result.stderr
    assert KEY not in result.stderr
