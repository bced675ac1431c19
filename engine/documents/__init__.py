"""Scanned documents on a case: decisions, residence cards, the signed IPD."""
