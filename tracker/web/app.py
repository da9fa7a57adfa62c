"""The ASGI app `tracker serve` runs: Datasette's, behind a layer that answers only
requests addressed to this machine by name, reads a blank search as none, and says a
failure Datasette did not catch in one line rather than a traceback."""

from tracker.web import HOST
from tracker.web.plugin import say_failed


def loopback_hosts_only(app, port: int):
    """The app, answering only requests addressed to this machine by name: a web page whose
    name was rebound to 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused,
    so it cannot read the database through the analyst's browser."""
    allowed = {f"{name}:{port}".encode() for name in (HOST, "localhost", "[::1]")}
    refusal = f"tracker serve answers only at http://{HOST}:{port}/ or http://localhost:{port}/\n".encode()

    async def loopback_only(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            hosts = [value.lower() for name, value in scope.get("headers", []) if name == b"host"]
            if len(hosts) != 1 or hosts[0] not in allowed:
                await send({"type": "http.response.start", "status": 421,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(refusal)).encode())]})
                await send({"type": "http.response.body", "body": refusal})
                return
        if scope["type"] == "http" and b"_search" in scope.get("query_string", b""):
            scope = dict(scope, query_string=_without_blank_search(scope["query_string"]))
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception as failure:
            # What Datasette's own error pages did not catch (a POST to a canned query, in
            # 0.65): one line here and a bare 500, rather than the server's traceback.
            say_failed(scope.get("method", ""), scope.get("path", ""), failure)
            if started or scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Internal Server Error\n"})

    return loopback_only


def _without_blank_search(query: bytes) -> bytes:
    """The query string without a blank search (`?_search=+`): all rows, as an empty box
    shows, rather than none (a search for nothing matches nothing)."""
    from urllib.parse import parse_qsl, urlencode

    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(key, value) for key, value in pairs if not (key.startswith("_search") and key != "_searchmode"
                                                          and not value.strip())]
    return query if len(kept) == len(pairs) else urlencode(kept, encoding="latin-1").encode("latin-1")
