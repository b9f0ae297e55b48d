"""Kafka plumbing: client settings, topic creation and the embedded Tansu broker."""
