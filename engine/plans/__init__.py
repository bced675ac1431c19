"""The Individual Action Plan (IPD): versions, supervisor decisions, goals, actions, reviews."""
