"""The demo simulator: a realistic key-account portfolio and its history of events.

``portfolio.build_portfolio(seed)`` draws the accounts, groups, stakeholders
and KAMs; ``history.generate(...)`` turns them into contract events with the
behaviours the KAM literature describes (multi-threaded healthy accounts, a
decision maker going silent, a champion leaving in a reorganisation, a new
decision maker, a P1 escalation, an order gap, a handover); ``run`` writes
the history to a JSONL file or publishes it, paced, to the broker
(``keypulse simulate``).
"""
