"""Serve: output/ on localhost, rebuilt as you edit, and every open page of it reloaded after
each build (server-sent events; the script is added to pages as they are served, never to
the files)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

EVENTS = "/__pressrun/events"
RELOAD = (
    f'<script>new EventSource("{EVENTS}").onmessage = () => location.reload();</script>'
).encode()


class Builds:
    """A counter of finished builds that threads can wait on."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def finished(self) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.count != seen, timeout)
            return self.count


class Handler(http.server.SimpleHTTPRequestHandler):
    builds: Builds

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == EVENTS:
            return self.events()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            return self.page(path)
        return super().do_GET()

    def page(self, path: Path) -> None:
        body = path.read_bytes()
        end = body.rfind(b"</body>")
        body = body[:end] + RELOAD + body[end:] if end >= 0 else body + RELOAD
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.builds.count
        try:
            while True:
                now = self.builds.wait(seen, timeout=15)
                message = b"data: reload\n\n" if now != seen else b": keep-alive\n\n"
                seen = now
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def server(output: Path, port: int, builds: Builds) -> http.server.ThreadingHTTPServer:
    """A server of `output` on 127.0.0.1 only (port 0: any free port)."""
    output.mkdir(parents=True, exist_ok=True)
    handler = type("ProjectHandler", (Handler,), {"builds": builds})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=str(output))
    )
    httpd.daemon_threads = True
    return httpd
