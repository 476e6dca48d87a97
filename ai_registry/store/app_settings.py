"""Settings saved from the UI (the upstream API key), kept server-side only.

Secret settings are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256). The key is
`AI_REGISTRY_SECRET_KEY` when set, else a key file generated once in the data folder with mode 0600.
Values saved in plain text by an older version are encrypted the first time they are read.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session

from ai_registry.settings import get_settings
from ai_registry.store.db import ensure_private_dir
from ai_registry.store.tables import AppSetting, utcnow

UPSTREAM_API_KEY = "upstream_api_key"
# Settings whose values are encrypted at rest.
SECRET_SETTINGS = frozenset({UPSTREAM_API_KEY})
ENCRYPTED_PREFIX = "fernet:"
KEY_FILE_NAME = "secret.key"
MIN_PASSPHRASE_LENGTH = 32


class SecretKeyError(ValueError):
    """The configured secret key is unusable, or a saved secret cannot be decrypted with it."""


@dataclass(frozen=True)
class SecretBox:
    """Encrypts with `primary`; decrypts with it or any `fallbacks` (so a new key can replace the file's)."""

    primary: Fernet
    fallbacks: tuple[Fernet, ...] = field(default=())

    def encrypt(self, value: str) -> str:
        return ENCRYPTED_PREFIX + self.primary.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> tuple[str, bool]:
        """The plain value and whether it should be written again (plain text or an older key)."""
        if not stored.startswith(ENCRYPTED_PREFIX):
            return stored, True
        token = stored.removeprefix(ENCRYPTED_PREFIX).encode("ascii")
        for position, fernet in enumerate((self.primary, *self.fallbacks)):
            try:
                return fernet.decrypt(token).decode("utf-8"), position > 0
            except InvalidToken:
                continue
        raise SecretKeyError(
            "A saved secret cannot be decrypted: AI_REGISTRY_SECRET_KEY or the data folder's "
            f"{KEY_FILE_NAME} changed since it was saved. Save the upstream key again."
        )


def fernet_key_from_setting(secret: str) -> bytes:
    """A Fernet key from `AI_REGISTRY_SECRET_KEY`: a Fernet key as is, or a long passphrase through HKDF."""
    secret = secret.strip()
    try:
        if len(base64.urlsafe_b64decode(secret.encode("ascii"))) == 32:
            return secret.encode("ascii")
    except (binascii.Error, UnicodeEncodeError, ValueError):
        pass
    if len(secret) < MIN_PASSPHRASE_LENGTH:
        raise SecretKeyError(
            f"AI_REGISTRY_SECRET_KEY must be a Fernet key or at least {MIN_PASSPHRASE_LENGTH} characters long; "
            f"it is {len(secret)}. Make one with: python -c \"from cryptography.fernet import Fernet; "
            'print(Fernet.generate_key().decode())"'
        )
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ai-registry secret settings").derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


def _read_or_create_key_file(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        ensure_private_dir(data_dir)
        # Written aside then linked into place: a second process either wins or reads the first one's key.
        fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret-")  # mkstemp makes it 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise SecretKeyError(
            f"{path} does not hold a Fernet key; restore it, or remove it and save the secrets again."
        ) from None
    return key


def secret_root_key(data_dir: Path, secret: str | None) -> bytes:
    """The key other secrets derive from: `AI_REGISTRY_SECRET_KEY`'s, else the data folder's key file."""
    return fernet_key_from_setting(secret) if secret else _read_or_create_key_file(Path(data_dir))


@lru_cache(maxsize=8)
def _box_for(data_dir: str, secret: str | None) -> SecretBox:
    key_file = Path(data_dir) / KEY_FILE_NAME
    if secret:
        fallbacks = (Fernet(_read_or_create_key_file(Path(data_dir))),) if key_file.exists() else ()
        return SecretBox(Fernet(fernet_key_from_setting(secret)), fallbacks)
    return SecretBox(Fernet(_read_or_create_key_file(Path(data_dir))))


def load_secret_box(*, data_dir: Path, secret_key: str | None = None) -> SecretBox:
    """The box for a data folder and optional `AI_REGISTRY_SECRET_KEY` (creating the key file if needed)."""
    return _box_for(str(data_dir), secret_key or None)


def secret_box() -> SecretBox:
    """The box of this process's settings."""
    settings = get_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return load_secret_box(data_dir=settings.data_dir, secret_key=secret)


def get_app_setting(*, session: Session, key: str) -> str | None:
    """A saved setting; secret ones decrypted (and re-encrypted in place if stored plain or with an old key)."""
    row = session.get(AppSetting, key)
    if row is None:
        return None
    if key not in SECRET_SETTINGS:
        return row.value
    box = secret_box()
    value, rewrite = box.decrypt(row.value)
    if rewrite:
        row.value = box.encrypt(value)
        session.add(row)
    return value


def set_app_setting(*, session: Session, key: str, value: str) -> None:
    """Save a setting; secret ones are stored encrypted."""
    stored = secret_box().encrypt(value) if key in SECRET_SETTINGS else value
    row = session.get(AppSetting, key) or AppSetting(key=key, value=stored)
    row.value = stored
    row.updated_at = utcnow()
    session.add(row)


def delete_app_setting(*, session: Session, key: str) -> bool:
    row = session.get(AppSetting, key)
    if row is None:
        return False
    session.delete(row)
    return True


def mask_secret(value: str | None) -> str:
    """`sk-…abcd`: enough to recognise a key, never enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * len(value)
    return f"{value[:3]}…{value[-4:]}"
