"""keypulse's pure domain core: account state, health, alerts, due times and priority.

No I/O and no faust, sqlalchemy or fastapi imports: the stream worker wraps it
in Faust tables and timers, and :func:`replay` runs it as a batch oracle.
"""
