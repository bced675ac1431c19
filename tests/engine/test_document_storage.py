"""Documents: what the bytes are, where they are kept, and the settings for both."""

from __future__ import annotations

import stat

import pytest

from engine.documents import storage


def test_documents_settings_come_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from engine.config import ConfigError, Settings

    defaults = Settings.from_env({"IPD_INSTANCE_PATH": str(tmp_path)})
    assert defaults.documents_path == tmp_path / "documents" and defaults.document_max_bytes == 10 * 1024 * 1024
    chosen = Settings.from_env({"IPD_DOCUMENTS_PATH": str(tmp_path / "scans"), "IPD_DOCUMENT_MAX_BYTES": "2048"})
    assert chosen.documents_path == tmp_path / "scans" and chosen.document_max_bytes == 2048
    with pytest.raises(ConfigError, match="IPD_DOCUMENT_MAX_BYTES"):
        Settings.from_env({"IPD_DOCUMENT_MAX_BYTES": "lots"})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.4 ...", "application/pdf"),
        (b"\xff\xd8\xff\xe0 JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"GIF89a", None),
        (b"<html>%PDF-", None),
        (b"", None),
    ],
)
def test_the_content_type_is_read_from_the_bytes(data, expected) -> None:  # type: ignore[no-untyped-def]
    assert storage.sniff(data) == expected


def test_files_are_kept_under_random_names_readable_by_the_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = storage.store(tmp_path / "docs", b"%PDF-1")
    second = storage.store(tmp_path / "docs", b"%PDF-2")
    assert first != second and len(first) == 48
    assert stat.S_IMODE((tmp_path / "docs" / first).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "docs").stat().st_mode) == 0o700
    with pytest.raises(ValueError):
        storage.path_of(tmp_path, "../etc/passwd")
