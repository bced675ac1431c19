"""The read side of case records: how one record reads on an approval card, a task page or the case file."""
