"""tracker: a local log of summits, state visits and the agreements expected at them."""

__version__ = "0.1.0"
