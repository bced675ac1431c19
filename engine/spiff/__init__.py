"""Adapter around SpiffWorkflow: the only package that imports it."""
