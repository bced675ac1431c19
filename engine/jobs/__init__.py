"""Background jobs (Celery tasks) and the bookkeeping they need."""
