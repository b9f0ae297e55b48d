"""The forms of the worker's table values (and so of their changelogs).

JSON-compatible data (state.py, stored.py) and the account table's bytes
(record.py: the compressed JSON of stored.py's dict).
"""
