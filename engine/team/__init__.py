"""The interdisciplinary team: quarterly meetings, their agenda of flagged cases, minutes and decisions."""
