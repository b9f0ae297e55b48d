"""Running and watching keypulse: the ``keypulse up`` supervisor, consumer lag, the
benchmark, and ``keypulse verify``."""
