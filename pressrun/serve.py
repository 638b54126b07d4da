"""Serve: output/ on localhost, rebuilt as you edit, and every open page of it reloaded after
each build (server-sent events; the script is added to pages as they are served, never to
the files).

Only for the author's own browser: it answers only to localhost names and pages of its own
origin (a page elsewhere cannot reach it through DNS rebinding, nor take its reload
connections), serves nothing outside output/ (no symlink out of it,
none of pressrun's hidden files: digests, lock, caches), and caps the reload connections.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import http.server
import re
import threading
import urllib.parse
from pathlib import Path

from .project import inside

EVENTS = "/__pressrun/events"
RELOAD_SCRIPT = f'new EventSource("{EVENTS}").onmessage = () => location.reload();'
RELOAD = f"<script>{RELOAD_SCRIPT}</script>".encode()
RELOAD_HASH = base64.b64encode(hashlib.sha256(RELOAD_SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    f"font-src 'self' data:; connect-src 'self'; script-src 'sha256-{RELOAD_HASH}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
LOCAL_HOST = re.compile(r"(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?", re.I)
LOCAL_ORIGIN = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?", re.I)
MAX_EVENT_STREAMS = 32
KEEP_ALIVE = 5  # seconds: a closed page gives its reload connection back by then


class Builds:
    """A counter of finished builds that threads can wait on."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()
        self.streams = threading.BoundedSemaphore(MAX_EVENT_STREAMS)

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
        self.respond(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(body=False)

    def respond(self, body: bool) -> None:
        if not LOCAL_HOST.fullmatch(self.headers.get("Host", "")):
            return self.send_error(403, "pressrun serves only localhost")
        origin = self.headers.get("Origin")
        if origin is not None and not LOCAL_ORIGIN.fullmatch(origin):
            return self.send_error(403, "pressrun serves only pages of its own")
        # Browsers say where a request comes from: another site may only navigate here (a
        # link), not load our files or hold our reload connections from its page.
        site = self.headers.get("Sec-Fetch-Site", "same-origin")
        mode = self.headers.get("Sec-Fetch-Mode", "navigate")
        if site not in ("same-origin", "none") and mode != "navigate":
            return self.send_error(403, "pressrun serves only pages of its own")
        url = urllib.parse.urlsplit(self.path)
        if url.path == EVENTS:
            return self.events() if body else self.send_error(405)
        path = self.local_path(url.path)
        if path is None:
            return self.send_error(404)
        if path.is_dir():
            if not url.path.endswith("/"):
                return self.redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
            if not (path / "index.html").is_file():
                return self.send_bytes(self.listing(path, url.path), "text/html", body)
            path = path / "index.html"
        if path.suffix == ".html":
            return self.send_bytes(self.page(path), "text/html", body)
        return super().do_GET() if body else super().do_HEAD()

    def local_path(self, url_path: str) -> Path | None:
        """The file or folder of output/ a URL names; None for anything hidden or outside."""
        root = Path(self.directory).resolve()
        parts = [p for p in urllib.parse.unquote(url_path).split("/") if p]
        if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            return None
        path = root.joinpath(*parts)
        resolved = path.resolve()
        if not resolved.is_relative_to(root) or not path.exists():
            return None
        if any(p.startswith(".") for p in resolved.relative_to(root).parts):
            return None  # a symlink to pressrun's hidden files
        return path

    def translate_path(self, path: str) -> str:
        # For SimpleHTTPRequestHandler's own file serving: the same rule as local_path.
        found = self.local_path(urllib.parse.urlsplit(path).path)
        return str(found) if found else str(Path(self.directory) / ".none")

    def redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def page(self, path: Path) -> bytes:
        body = path.read_bytes()
        end = body.rfind(b"</body>")
        return body[:end] + RELOAD + body[end:] if end >= 0 else body + RELOAD

    def listing(self, folder: Path, url_path: str) -> bytes:
        names = sorted(
            p.name + ("/" if p.is_dir() else "")
            for p in folder.iterdir()
            if not p.name.startswith(".") and inside(p, folder)
        )
        items = "".join(
            f'<li><a href="{urllib.parse.quote(n)}">{html.escape(n)}</a></li>' for n in names
        )
        title = html.escape(urllib.parse.unquote(url_path))
        return (
            f'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
            f"<h1>{title}</h1><ul>{items}</ul></html>"
        ).encode()

    def end_headers(self) -> None:
        # Pages run no script but the reload one: an edition received from elsewhere and
        # served here cannot read the rest of output/ (nor be framed, nor send forms).
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        super().end_headers()

    def send_bytes(self, data: bytes, kind: str, body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def events(self) -> None:
        if not self.builds.streams.acquire(blocking=False):
            return self.send_error(503, "too many open pages")
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = self.builds.count
            while True:
                now = self.builds.wait(seen, timeout=KEEP_ALIVE)
                message = b"data: reload\n\n" if now != seen else b": keep-alive\n\n"
                seen = now
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.builds.streams.release()


def server(output: Path, port: int, builds: Builds) -> http.server.ThreadingHTTPServer:
    """A server of `output` on 127.0.0.1 only (port 0: any free port)."""
    output.mkdir(parents=True, exist_ok=True)
    handler = type("ProjectHandler", (Handler,), {"builds": builds})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=str(output))
    )
    httpd.daemon_threads = True
    return httpd
