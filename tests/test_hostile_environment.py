"""A hostile environment: a full disk, a read-only output/, a file where output/ should be, an
error inside watch or serve, and requests to serve from elsewhere. Each gives one message, no
traceback, and the outputs built before are still there, whole."""

from __future__ import annotations

import errno
import http.client
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, mini_project
from conftest import run_cli as cli
from test_bad_input import snapshot
from test_workflow import Running, edit

import pressrun.output
import pressrun.watch
from pressrun.console import LineReport
from pressrun.diagnostics import Warnings
from pressrun.serve import MAX_EVENT_STREAMS, Builds, server


@pytest.fixture
def built(tmp_path, mini_built):
    project = mini_project(tmp_path / "project")
    shutil.copytree(mini_built.output, project.output)
    return project


def namespaces_work() -> bool:
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not shutil.which("unshare") or not namespaces_work(),
    reason="needs a private mount namespace (unshare -m, as root)",
)


def in_mount_namespace(mount: str, project, *args: str, copy_back: Path) -> tuple[int, str]:
    """Run `pressrun ARGS` after `mount` in a private mount namespace; copy output/ as the
    build left it to `copy_back` (the mount vanishes with the namespace)."""
    log = copy_back.with_suffix(".log")
    command = " ".join(
        [sys.executable, str(ROOT / "build.py"), "--project", str(project.root), *args]
    )
    script = (
        f"{mount}\n{command} > {log} 2>&1 && echo 0 > {log}.rc || echo $? > {log}.rc\n"
        f"mkdir -p {copy_back} && cp -a {project.output}/. {copy_back}/\n"
    )
    subprocess.run(["unshare", "-m", "sh", "-ec", script], check=True, cwd=ROOT)
    return int(Path(f"{log}.rc").read_text()), log.read_text()


@needs_mounts
def test_a_full_disk_is_a_message_and_old_files_stay(built, tmp_path):
    before = snapshot(built.output)
    saved = tmp_path / "saved"
    shutil.copytree(built.output, saved)
    # Room for what is there and one page more: a new PDF does not fit beside the old one.
    pages = sum(-(-p.stat().st_size // 4096) for p in saved.rglob("*") if p.is_file())
    size = (pages + 1) * 4096
    edit(built.content / "mini" / "en.yaml", "Text with", "A longer text with")
    rc, log = in_mount_namespace(
        f"mount -t tmpfs -o size={size} tmpfs {built.output}\ncp -a {saved}/. {built.output}/",
        built,
        "build",
        copy_back=tmp_path / "after",
    )
    assert rc == 1, log
    assert "error: cannot write: No space left on device [cannot-write]" in log
    assert "Traceback" not in log
    assert snapshot(tmp_path / "after") == before


@needs_mounts
def test_a_read_only_output_builds_nothing_new_and_says_so(built, tmp_path):
    mount = f"mount --bind -o ro {built.output} {built.output}"
    rc, log = in_mount_namespace(mount, built, "build", copy_back=tmp_path / "noop")
    assert rc == 0, log  # nothing to write: a no-op build works on a read-only disk
    assert "output(s) up to date" in log
    edit(built.content / "mini" / "en.yaml", "Text with", "A longer text with")
    rc, log = in_mount_namespace(mount, built, "build", copy_back=tmp_path / "after")
    assert rc == 1, log
    assert "error: cannot write: Read-only file system [cannot-write]" in log
    assert "Traceback" not in log


def test_a_full_disk_without_mounts(built, monkeypatch):
    """The same as above for machines where mounts are not allowed: the write fails."""
    before = snapshot(built.output)
    edit(built.content / "mini" / "en.yaml", "Text with", "A longer text with")

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pressrun.output.os, "fsync", full)
    result = cli(built, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert "error: cannot write: No space left on device [cannot-write]" in result.output
    assert "hint: free some disk space and build again; the files built before" in result.output
    assert snapshot(built.output) == before
    assert not list(built.output.rglob(".*.tmp"))


def test_output_being_a_file_is_a_message(tmp_path):
    project = mini_project(tmp_path / "project")
    project.output.write_text("not a folder")
    result = cli(project, "build")
    assert result.exit_code == 1
    assert "output: error: cannot write:" in result.output
    assert "a file stands where a folder should be" in result.output
    assert project.output.read_text() == "not a folder"


# -- 12. watch and serve survive what is not a user error --------------------------------------


def test_watch_survives_a_bug_in_a_rebuild(built, monkeypatch):
    said = []

    def broken(*args, **kwargs):
        raise RuntimeError("something pressrun did not expect")

    monkeypatch.setattr(pressrun.watch, "build", broken)
    made = pressrun.watch.build_once(built, [], LineReport(Warnings(False)), said.append)
    assert made == []
    assert "RuntimeError: something pressrun did not expect" in said[0]
    assert said[0].endswith("internal error (a bug in pressrun); watching goes on")


def test_watch_in_a_project_under_a_folder_named_output(tmp_path):
    project = mini_project(tmp_path / "output" / "project")
    watching = Running(project, "watch")
    try:
        watching.expect(r"^watching content, templates, styles")
        edit(project.content / "mini" / "en.yaml", "Text with", "Saved text with")
        watching.expect(r"^changed: content/mini/en.yaml")
        watching.expect(r"^1 output\(s\) built")
    finally:
        watching.stop()


# -- 13. serve answers only localhost, serves only output/ --------------------------------------


@pytest.fixture
def served(built, tmp_path):
    (tmp_path / "secret.txt").write_text("SECRET\n")
    (built.output / "escape").symlink_to(tmp_path)
    builds = Builds()
    httpd = server(built.output, 0, builds)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], builds
    httpd.shutdown()
    httpd.server_close()


def request(port: int, method: str, path: str, host: str | None = None, origin=None, **more):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": f"127.0.0.1:{port}" if host is None else host}
    if origin is not None:
        headers["Origin"] = origin
    headers |= {name.replace("_", "-"): value for name, value in more.items()}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_serve_refuses_what_is_outside_or_hidden(served):
    port, _ = served
    for path in ("/escape/secret.txt", "/.pressrun.lock", "/.cache/", "/mini/en/.handout.digest"):
        response, body = request(port, "GET", path)
        assert response.status == 404, path
        assert b"SECRET" not in body
    response, body = request(port, "GET", "/")
    assert response.status == 200
    assert b"mini/" in body and b".cache" not in body and b".pressrun" not in body
    assert b"escape" not in body


def test_serve_redirects_folders_and_agrees_on_lengths(served):
    port, _ = served
    response, _ = request(port, "GET", "/mini/en")
    assert response.status == 301 and response.getheader("Location") == "/mini/en/"
    for path in ("/mini/en/", "/mini/en/handout.html", "/mini/en/handout.pdf"):
        got, body = request(port, "GET", path)
        head, empty = request(port, "HEAD", path)
        assert got.status == head.status == 200
        assert got.getheader("Content-Length") == head.getheader("Content-Length") == str(len(body))
        assert empty == b""


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io:8000", "", "localhost.evil"])
def test_serve_answers_only_to_localhost_names(served, host):
    port, _ = served
    response, _ = request(port, "GET", "/mini/en/handout.html", host=host)
    assert response.status == 403
    for name in (f"localhost:{port}", "127.0.0.1", f"[::1]:{port}"):
        assert request(port, "GET", "/mini/en/handout.html", host=name)[0].status == 200


def test_serve_answers_no_page_of_another_site(served):
    """A page elsewhere that reaches 127.0.0.1 (its Host is right) sends its own Origin."""
    port, _ = served
    for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
        assert request(port, "GET", "/__pressrun/events", origin=origin)[0].status == 403
    assert request(port, "GET", "/mini/en/", origin=f"http://localhost:{port}")[0].status == 200
    # An <img> of another site sends no Origin, but says where it comes from.
    cross = {"Sec_Fetch_Site": "cross-site", "Sec_Fetch_Mode": "no-cors"}
    assert request(port, "GET", "/__pressrun/events", **cross)[0].status == 403
    assert request(port, "GET", "/mini/en/handout.pdf", **cross)[0].status == 403
    link = {"Sec_Fetch_Site": "cross-site", "Sec_Fetch_Mode": "navigate"}
    assert request(port, "GET", "/mini/en/handout.pdf", **link)[0].status == 200


def test_serve_follows_no_symlink_to_hidden_files(served, built):
    port, _ = served
    (built.output / "mini" / "cache").symlink_to(built.output / ".cache")
    assert request(port, "GET", "/mini/cache/")[0].status == 404


def test_serve_caps_the_reload_connections(served):
    port, builds = served
    streams = []
    for _ in range(MAX_EVENT_STREAMS):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/__pressrun/events", headers={"Host": "localhost"})
        assert connection.getresponse().status == 200
        streams.append(connection)
    response, _ = request(port, "GET", "/__pressrun/events")
    assert response.status == 503
    for connection in streams:
        connection.close()
    deadline = time.monotonic() + 10
    while True:  # the streams notice their closed sockets at a write and give their places back
        builds.finished()
        response, _ = request(port, "HEAD", "/__pressrun/events")  # 405: not a stream
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/__pressrun/events", headers={"Host": "localhost"})
        status = connection.getresponse().status
        connection.close()
        if status == 200:
            break
        assert time.monotonic() < deadline, "the closed streams kept their places"
        time.sleep(0.2)


def test_served_pages_run_only_the_reload_script(served, built):
    """In Chromium: the reload script runs under the Content-Security-Policy, a script in a
    page (say of an edition received from elsewhere) does not."""
    playwright = pytest.importorskip("playwright.sync_api")
    port, builds = served
    page_path = built.output / "mini" / "en" / "evil.html"
    page_path.write_text(
        "<!DOCTYPE html><html><body><p>x</p>"
        "<script>document.title = 'script ran'</script></body></html>"
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        violations = []
        page.on("console", lambda message: violations.append(message.text))
        page.goto(f"http://127.0.0.1:{port}/mini/en/evil.html")
        page.wait_for_timeout(500)
        assert page.title() != "script ran"
        assert any("Content Security Policy" in text for text in violations)
        with page.expect_navigation(timeout=10_000):  # the reload script did run
            builds.finished()
        browser.close()
