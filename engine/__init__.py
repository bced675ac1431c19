"""Domain model, persistence, the workflow engine adapter and services (no Flask)."""
