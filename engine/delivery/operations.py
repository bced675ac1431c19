"""Operations of this area (being written)."""

from __future__ import annotations
