"""Needs diagnosis: one assessment per area, its narrative details readable only by the area's roles."""
