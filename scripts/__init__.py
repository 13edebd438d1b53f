"""Maintenance scripts (spec normalization, client regeneration, upstream spec diff)."""
