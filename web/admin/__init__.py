"""Administration of users and offices."""
