"""The documents folder: files under random names, readable by the server's user only."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

#: What the first bytes of each accepted kind of file are; the upload's own claims are never believed.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSIONS = {content_type: extension for _, content_type, extension in SIGNATURES}


def sniff(data: bytes) -> str | None:
    """The content type the bytes are (PDF, JPEG or PNG), or None."""
    for signature, content_type, _ in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def _folder(root: Path) -> Path:
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a folder the operator owns and shaped stays as it is
        root.chmod(0o700)
    return root


def store(root: Path, data: bytes) -> str:
    """Write ``data`` under a new random name (mode 0600) and return the name."""
    folder = _folder(root)
    while True:
        name = secrets.token_hex(24)
        try:
            descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # pragma: no cover - 192 random bits
            continue
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        return name


def path_of(root: Path, name: str) -> Path:
    """The file of a stored name; names are ours (hex), never a path someone typed."""
    if not name or not all(c in "0123456789abcdef" for c in name):
        raise ValueError("not a stored document name")
    return root / name


def discard(root: Path, name: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        path_of(root, name).unlink()
