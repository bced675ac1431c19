"""Beneficiaries and their cases."""
