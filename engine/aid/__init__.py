"""Material aid: requests, supervisor decisions above the limit, purchases with receipts."""
