"""One module per ``kasvudata`` command; each defines ``register(subparsers)``."""
