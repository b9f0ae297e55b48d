"""Helpers shared by keypulse's test tiers."""
