"""The web room: `tracker serve`'s Datasette, read-only, on this machine only.

serve.py starts Datasette on the database, app.py is the ASGI layer in front of it
(loopback names only, blank searches, failures in one line), plugin.py the plugin
that makes Datasette read searches, refs and dates as tracker does; metadata.json
names the views, search and canned queries. Datasette is an optional extra
(`pip install "tracker[web]"`) imported only when serve runs: this package's own
import loads nothing but these names, since `tracker --help` reads them.
"""

HOST = "127.0.0.1"
DEFAULT_PORT = 8001     # Datasette's own
# The name the database has in Datasette's pages (/tracker/agreements), whatever the file's.
DATABASE = "tracker"
