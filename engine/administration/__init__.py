"""Administration in the browser: offices, users, password resets, partner institutions, programme settings."""
