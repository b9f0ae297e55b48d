"""A tuned scoring policy as a KAM team would write it in KEYPULSE_POLICY_FILE."""

TUNED = """
# our decision makers expect a call every six weeks
[warmth.cadence_days]
decision_maker = 42

[alerts]
health_drop_points = 20
single_threaded_tiers = ["strategic"]
"""
