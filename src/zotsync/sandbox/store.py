"""The sandbox's storage: group libraries in one SQLite file.

Objects (items, collections, searches) are stored as their editable JSON ``data`` plus the
columns the API filters and sorts on.  Collection membership and tags have tables of their
own so that ``/collections/<key>/items`` and ``?tag=`` stay indexed lookups on large
libraries.  Every request runs under one lock, in one transaction: the library version only
grows and a write is all or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TABLES = """
CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, username TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys(
    key TEXT PRIMARY KEY, user_id INTEGER NOT NULL, write INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS groups(
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, owner INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects(
    grp INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
    parent TEXT, item_type TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER, modified_by INTEGER, date_added TEXT, date_modified TEXT,
    title TEXT, data TEXT NOT NULL, PRIMARY KEY(grp, kind, key));
CREATE INDEX IF NOT EXISTS objects_by_version ON objects(grp, kind, version);
CREATE INDEX IF NOT EXISTS objects_by_parent ON objects(grp, kind, parent);
CREATE TABLE IF NOT EXISTS memberships(
    grp INTEGER NOT NULL, collection TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY(grp, collection, item));
CREATE INDEX IF NOT EXISTS memberships_by_item ON memberships(grp, item);
CREATE TABLE IF NOT EXISTS tags(
    grp INTEGER NOT NULL, item TEXT NOT NULL, tag TEXT NOT NULL, type INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS tags_by_item ON tags(grp, item);
CREATE INDEX IF NOT EXISTS tags_by_tag ON tags(grp, tag);
CREATE TABLE IF NOT EXISTS deleted_log(
    grp INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY(grp, kind, key));
CREATE TABLE IF NOT EXISTS write_tokens(
    api_key TEXT NOT NULL, token TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY(api_key, token));
CREATE TABLE IF NOT EXISTS settings(
    grp INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY(grp, key));
"""

WRITE_TOKEN_SECONDS = 12 * 3600


@dataclass
class StoredObject:
    kind: str  # "item", "collection" or "search"
    key: str
    version: int
    data: dict[str, Any]
    created_by: int | None = None
    modified_by: int | None = None

    @property
    def parent(self) -> str | None:
        value = self.data.get("parentItem" if self.kind == "item" else "parentCollection")
        return value if isinstance(value, str) and value else None

    @property
    def deleted(self) -> bool:
        return bool(self.data.get("deleted"))


@dataclass(frozen=True)
class KeyInfo:
    key: str
    user_id: int
    username: str
    write: bool


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    owner: int
    version: int
    created: str


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Store:
    """One SQLite file holding every group library of a sandbox."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.executescript(_TABLES)
        columns = [row[1] for row in self.connection.execute("PRAGMA table_info(tags)")]
        if "version" not in columns:  # a sandbox file from before tags had versions
            self.connection.execute(
                "ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 0"
            )
        self.lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self.lock:
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing, under the store's lock (nested calls join the outer one)."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.connection.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self.connection.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.connection.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> Any:
        return self.connection.execute(sql, args).fetchone()

    # ---------------------------------------------------------------- users, keys, groups

    def ensure_user(self, user_id: int, username: str) -> None:
        with self.transaction():
            self.connection.execute(
                "INSERT INTO users(id, username) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET username = excluded.username",
                (user_id, username),
            )

    def ensure_key(self, key: str, user_id: int, write: bool) -> None:
        with self.transaction():
            self.connection.execute(
                "INSERT INTO api_keys(key, user_id, write) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET user_id = excluded.user_id, write = excluded.write",
                (key, user_id, int(write)),
            )

    def key_info(self, key: str) -> KeyInfo | None:
        row = self._one(
            "SELECT k.key, k.user_id, u.username, k.write FROM api_keys k "
            "JOIN users u ON u.id = k.user_id WHERE k.key = ?",
            key,
        )
        return KeyInfo(row[0], row[1], row[2], bool(row[3])) if row else None

    def username(self, user_id: int) -> str:
        row = self._one("SELECT username FROM users WHERE id = ?", user_id)
        return str(row[0]) if row else f"user{user_id}"

    def ensure_group(self, group_id: int, name: str, owner: int) -> None:
        with self.transaction():
            self.connection.execute(
                "INSERT INTO groups(id, name, owner, version, created) VALUES (?, ?, ?, 0, ?) "
                "ON CONFLICT(id) DO NOTHING",
                (group_id, name, owner, now_iso()),
            )

    def group(self, group_id: int) -> Group | None:
        row = self._one(
            "SELECT id, name, owner, version, created FROM groups WHERE id = ?", group_id
        )
        return Group(*row) if row else None

    def groups(self) -> list[Group]:
        rows = self.connection.execute("SELECT id, name, owner, version, created FROM groups")
        return [Group(*row) for row in rows.fetchall()]

    # ---------------------------------------------------------------- versions

    def library_version(self, group_id: int) -> int:
        row = self._one("SELECT version FROM groups WHERE id = ?", group_id)
        return int(row[0]) if row else 0

    def bump(self, group_id: int) -> int:
        """Take the next library version (inside a transaction)."""
        self.connection.execute("UPDATE groups SET version = version + 1 WHERE id = ?", (group_id,))
        return self.library_version(group_id)

    # ---------------------------------------------------------------- objects

    def get(self, group_id: int, kind: str, key: str) -> StoredObject | None:
        row = self._one(
            "SELECT version, data, created_by, modified_by FROM objects "
            "WHERE grp = ? AND kind = ? AND key = ?",
            group_id,
            kind,
            key,
        )
        if row is None:
            return None
        return StoredObject(kind, key, row[0], json.loads(row[1]), row[2], row[3])

    def get_many(self, group_id: int, kind: str, keys: list[str]) -> dict[str, StoredObject]:
        found: dict[str, StoredObject] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                f"SELECT key, version, data, created_by, modified_by FROM objects "
                f"WHERE grp = ? AND kind = ? AND key IN ({marks})",
                (group_id, kind, *chunk),
            )
            for key, version, data, created_by, modified_by in rows.fetchall():
                found[key] = StoredObject(
                    kind, key, version, json.loads(data), created_by, modified_by
                )
        return found

    def put(self, group_id: int, obj: StoredObject) -> None:
        data = obj.data
        title = data.get("title") or data.get("name") or ""
        self.connection.execute(
            "INSERT OR REPLACE INTO objects(grp, kind, key, version, parent, item_type, deleted, "
            "created_by, modified_by, date_added, date_modified, title, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                group_id,
                obj.kind,
                obj.key,
                obj.version,
                obj.parent,
                data.get("itemType"),
                int(obj.deleted),
                obj.created_by,
                obj.modified_by,
                data.get("dateAdded"),
                data.get("dateModified"),
                str(title).lower(),
                json.dumps(data, ensure_ascii=False),
            ),
        )
        self.connection.execute(
            "DELETE FROM deleted_log WHERE grp = ? AND kind = ? AND key = ?",
            (group_id, obj.kind, obj.key),
        )
        if obj.kind == "item":
            self.connection.execute(
                "DELETE FROM memberships WHERE grp = ? AND item = ?", (group_id, obj.key)
            )
            self.connection.executemany(
                "INSERT OR IGNORE INTO memberships(grp, collection, item) VALUES (?, ?, ?)",
                [(group_id, c, obj.key) for c in data.get("collections", [])],
            )
            # A tag keeps the version it was added to the item at (tags?since=).
            since = dict(
                ((tag, kind), version)
                for tag, kind, version in self.connection.execute(
                    "SELECT tag, type, version FROM tags WHERE grp = ? AND item = ?",
                    (group_id, obj.key),
                ).fetchall()
            )
            self.connection.execute(
                "DELETE FROM tags WHERE grp = ? AND item = ?", (group_id, obj.key)
            )
            self.connection.executemany(
                "INSERT INTO tags(grp, item, tag, type, version) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        group_id,
                        obj.key,
                        t["tag"],
                        int(t.get("type", 0)),
                        since.get((t["tag"], int(t.get("type", 0))), obj.version),
                    )
                    for t in data.get("tags", [])
                ],
            )

    def remove(self, group_id: int, kind: str, key: str, version: int) -> None:
        """Delete permanently and log it in the delete log at ``version``."""
        self.connection.execute(
            "DELETE FROM objects WHERE grp = ? AND kind = ? AND key = ?", (group_id, kind, key)
        )
        if kind == "item":
            self.connection.execute(
                "DELETE FROM memberships WHERE grp = ? AND item = ?", (group_id, key)
            )
            self.connection.execute("DELETE FROM tags WHERE grp = ? AND item = ?", (group_id, key))
        elif kind == "collection":
            # As on the real server, members leave without a version bump of their own.
            rows = self.connection.execute(
                "SELECT item FROM memberships WHERE grp = ? AND collection = ?", (group_id, key)
            ).fetchall()
            for (item_key,) in rows:
                item = self.get(group_id, "item", item_key)
                if item is not None:
                    item.data["collections"] = [
                        c for c in item.data.get("collections", []) if c != key
                    ]
                    self.connection.execute(
                        "UPDATE objects SET data = ? WHERE grp = ? AND kind = 'item' AND key = ?",
                        (json.dumps(item.data, ensure_ascii=False), group_id, item_key),
                    )
            self.connection.execute(
                "DELETE FROM memberships WHERE grp = ? AND collection = ?", (group_id, key)
            )
        self.connection.execute(
            "INSERT OR REPLACE INTO deleted_log(grp, kind, key, version) VALUES (?, ?, ?, ?)",
            (group_id, kind, key, version),
        )

    def children(self, group_id: int, kind: str, parent: str) -> list[str]:
        rows = self.connection.execute(
            "SELECT key FROM objects WHERE grp = ? AND kind = ? AND parent = ?",
            (group_id, kind, parent),
        )
        return [row[0] for row in rows.fetchall()]

    def select(
        self,
        group_id: int,
        kind: str,
        *,
        since: int | None = None,
        keys: list[str] | None = None,
        include_trashed: bool = True,
        only_trashed: bool = False,
        top: bool = False,
        parent: str | None = None,
        collection: str | None = None,
        collection_with_children: bool = False,
        item_types: tuple[list[str], list[str]] | None = None,
        tags: list[list[str]] | None = None,
        order_by: str = "date_modified",
        descending: bool = True,
    ) -> list[tuple[str, int]]:
        """(key, version) of matching objects, sorted; the caller pages and loads them."""
        where = ["o.grp = ?", "o.kind = ?"]
        args: list[Any] = [group_id, kind]
        if since is not None:
            where.append("o.version > ?")
            args.append(since)
        if keys is not None:
            if not keys:
                return []
            where.append(f"o.key IN ({','.join('?' * len(keys))})")
            args.extend(keys)
        if only_trashed:
            where.append("o.deleted = 1")
        elif not include_trashed:
            where.append("o.deleted = 0")
        if top:
            where.append("o.parent IS NULL")
        if parent is not None:
            where.append("o.parent = ?")
            args.append(parent)
        if collection is not None:
            member = "SELECT item FROM memberships WHERE grp = ? AND collection = ?"
            if collection_with_children:
                where.append(f"(o.key IN ({member}) OR o.parent IN ({member}))")
                args.extend([group_id, collection, group_id, collection])
            else:
                where.append(f"o.key IN ({member})")
                args.extend([group_id, collection])
        if item_types is not None:
            wanted, unwanted = item_types
            if wanted:
                where.append(f"o.item_type IN ({','.join('?' * len(wanted))})")
                args.extend(wanted)
            if unwanted:
                where.append(f"o.item_type NOT IN ({','.join('?' * len(unwanted))})")
                args.extend(unwanted)
        for alternatives in tags or []:
            wanted_tags = [t for t in alternatives if not t.startswith("-")]
            unwanted_tags = [t[1:] for t in alternatives if t.startswith("-")]
            tag_sql = "SELECT item FROM tags WHERE grp = ? AND tag IN ({})"
            if wanted_tags:
                where.append(f"o.key IN ({tag_sql.format(','.join('?' * len(wanted_tags)))})")
                args.extend([group_id, *wanted_tags])
            if unwanted_tags:
                where.append(f"o.key NOT IN ({tag_sql.format(','.join('?' * len(unwanted_tags)))})")
                args.extend([group_id, *unwanted_tags])
        column = {
            "date_modified": "o.date_modified",
            "date_added": "o.date_added",
            "title": "o.title",
            "item_type": "o.item_type",
            "version": "o.version",
            "key": "o.key",
        }[order_by]
        direction = "DESC" if descending else "ASC"
        sql = (
            f"SELECT o.key, o.version FROM objects o WHERE {' AND '.join(where)} "
            # Items::search and Collections::search break ties by version, then row id.
            f"ORDER BY {column} {direction}, o.version {direction}, o.key {direction}"
        )
        return [(row[0], row[1]) for row in self.connection.execute(sql, args).fetchall()]

    def count(self, group_id: int, kind: str) -> int:
        row = self._one("SELECT COUNT(*) FROM objects WHERE grp = ? AND kind = ?", group_id, kind)
        return int(row[0])

    def member_count(self, group_id: int, collection: str) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM memberships WHERE grp = ? AND collection = ?",
            group_id,
            collection,
        )
        return int(row[0])

    def tag_rows(
        self, group_id: int, items: list[str] | None = None, since: int | None = None
    ) -> list[tuple[str, int, int, int]]:
        """(tag, type, number of items, version) for the library, or for some items; a tag's
        version is the latest at which it was added to an item."""
        where = "grp = ?"
        args: list[Any] = [group_id]
        if items is not None:
            where += f" AND item IN ({','.join('?' * len(items)) or 'NULL'})"
            args.extend(items)
        rows = self.connection.execute(
            f"SELECT tag, type, COUNT(*), MAX(version) FROM tags WHERE {where} "
            "GROUP BY tag, type ORDER BY tag",
            args,
        ).fetchall()
        found = [(row[0], row[1], row[2], row[3]) for row in rows]
        return [r for r in found if since is None or r[3] > since]

    def deleted_since(self, group_id: int, since: int) -> dict[str, list[str]]:
        rows = self.connection.execute(
            "SELECT kind, key FROM deleted_log WHERE grp = ? AND version > ? ORDER BY version, key",
            (group_id, since),
        )
        found: dict[str, list[str]] = {
            "collection": [],
            "item": [],
            "search": [],
            "tag": [],
            "setting": [],
        }
        for kind, key in rows.fetchall():
            found.setdefault(kind, []).append(key)
        return found

    # ---------------------------------------------------------------- write tokens

    def write_token_used(self, api_key: str, token: str) -> bool:
        row = self._one(
            "SELECT expires FROM write_tokens WHERE api_key = ? AND token = ?", api_key, token
        )
        return bool(row and row[0] > time.time())

    def remember_write_token(self, api_key: str, token: str) -> None:
        self.connection.execute(
            "INSERT OR REPLACE INTO write_tokens(api_key, token, expires) VALUES (?, ?, ?)",
            (api_key, token, time.time() + WRITE_TOKEN_SECONDS),
        )

    # ---------------------------------------------------------------- settings

    def settings(self, group_id: int, since: int | None = None) -> dict[str, tuple[Any, int]]:
        rows = self.connection.execute(
            "SELECT key, value, version FROM settings WHERE grp = ? AND version > ?",
            (group_id, since or 0),
        )
        return {key: (json.loads(value), version) for key, value, version in rows.fetchall()}

    def delete_setting(self, group_id: int, key: str, version: int) -> None:
        gone = self.connection.execute(
            "DELETE FROM settings WHERE grp = ? AND key = ?", (group_id, key)
        ).rowcount
        if gone:
            self.connection.execute(
                "INSERT OR REPLACE INTO deleted_log(grp, kind, key, version) "
                "VALUES (?, 'setting', ?, ?)",
                (group_id, key, version),
            )

    def put_setting(self, group_id: int, key: str, value: Any, version: int) -> None:
        self.connection.execute(
            "INSERT OR REPLACE INTO settings(grp, key, value, version) VALUES (?, ?, ?, ?)",
            (group_id, key, json.dumps(value), version),
        )
