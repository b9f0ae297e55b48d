"""What feeds keypulse: the event publisher, the JSONL import, upstream adapters, the simulator."""
