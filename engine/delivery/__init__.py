"""Service delivery: sessions, nursery and kindergarten placements, integration camps, referrals."""
