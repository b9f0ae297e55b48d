"""``keypulse verify``: the read models against a replay of the input topics.

* :mod:`.read_inputs` — read and decode every input topic up to its end offsets (no group).
* :mod:`.read_rows` — the read-model rows, with SELECTs in a read-only transaction.
* :mod:`.compare` — pure comparison of folded states and rows → :class:`Difference` list.
* :mod:`.command` — wiring, output and exit status.
"""
