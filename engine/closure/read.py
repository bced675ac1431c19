"""The read side of this area: what the case file and record cards show (being written)."""

from __future__ import annotations
