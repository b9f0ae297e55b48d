"""Which partition an account's messages belong on: the Kafka default partitioner.

murmur2 of the UTF-8 key, as the Java client, kafka-python and aiokafka do
(docs/contract.md section 1). Clients that partition otherwise (librdkafka's
default CRC32, so kcat) land messages on the wrong partition; the account
agent forwards those instead of applying them on a partition whose worker
does not own the account.
"""

from __future__ import annotations

from kafka.partitioner.default import murmur2


def partition_for(key: str, partitions: int) -> int:
    """The partition the default partitioner chooses for ``key``."""
    return int(murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions
