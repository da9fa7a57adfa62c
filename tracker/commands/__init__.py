"""One module per command (export, import and apply share one); tracker/cli.py loads
only the one a run needs.

These modules do not use `from __future__ import annotations`: Typer reads each
parameter's annotation, and a string annotation costs a compile and an eval at
every run (about 5 ms for `list`); a plain one is bytecode already in the .pyc.
"""
