"""Export and import: the whole database as one JSON document, and back, losslessly;
and apply, a file of dated updates replayed.

Items are matched by uid, so importing the same file twice changes nothing.
Every item in a file is checked as `tracker add` checks it before anything is
written, and the import is one transaction.

document: the formats and the whole-file reader; stream: a large file read an entry at a
time; load: the checks and writes of an import; importing: import_file; export; apply.
"""

from tracker.transfer.apply import apply_file
from tracker.transfer.document import FORMAT, UPDATES_FORMAT, VERSION, read_document
from tracker.transfer.export import export_pieces
from tracker.transfer.importing import import_file

__all__ = ["FORMAT", "UPDATES_FORMAT", "VERSION", "apply_file", "export_pieces", "import_file", "read_document"]
