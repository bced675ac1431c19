"""Offices, users, roles and passwords."""
