"""Home page, profile and language choice."""
