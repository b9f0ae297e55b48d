"""``keypulse bench``: throughput and latency of the stream pipeline on the embedded broker."""
