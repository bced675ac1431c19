"""JSON Schema forms for user tasks: loading, field rendering data and validation (no Flask)."""
