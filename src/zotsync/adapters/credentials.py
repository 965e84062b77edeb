"""The API key: ``ZOTERO_API_KEY`` first, else the OS keyring (the keyring adapter).

The key is never written to a file, a log or a message by zotsync.
"""

from __future__ import annotations

import os
from typing import Any

from zotsync.errors import UserError

SERVICE = "zotsync"
ENV = "ZOTERO_API_KEY"
NO_BACKEND = (
    "no OS keyring is available on this machine (keyring found no backend): set the "
    f"environment variable {ENV} to the API key instead"
)


def _keyring() -> Any:
    import keyring

    return keyring


def api_key(endpoint: str) -> str | None:
    """The key for ``endpoint``: the environment's, else the keyring's, else None."""
    if os.environ.get(ENV):
        return os.environ[ENV].strip()
    keyring = _keyring()
    try:
        found: str | None = keyring.get_password(SERVICE, endpoint)
        return found
    except keyring.errors.NoKeyringError:
        return None
    except keyring.errors.KeyringError as error:
        raise UserError(f"the OS keyring failed: {error}; set {ENV} instead") from None


def check_keyring() -> None:
    """Refuse before asking for a key that could not be kept (no keyring backend)."""
    keyring = _keyring()
    from keyring.backends.fail import Keyring as NoKeyring

    if isinstance(keyring.get_keyring(), NoKeyring):
        raise UserError(NO_BACKEND)


def store_key(endpoint: str, key: str) -> None:
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, endpoint, key)
    except keyring.errors.NoKeyringError:
        raise UserError(NO_BACKEND) from None
    except keyring.errors.KeyringError as error:
        raise UserError(f"the OS keyring refused the key: {error}; set {ENV} instead") from None


def forget_key(endpoint: str) -> bool:
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, endpoint)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.NoKeyringError:
        raise UserError(NO_BACKEND) from None
    return True
