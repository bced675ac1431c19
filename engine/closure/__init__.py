"""Closing a case: the request, the supervisor's decision, and stopping everything still running."""
