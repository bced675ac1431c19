"""Closing a case ends its unpaid scheduled subsidy payments and releases their reservations (being written)."""

from __future__ import annotations
