"""The web edition: numbered notes with back-links and sidenotes, links to the PDFs and the
other language, checked in Debian's headless Chromium at phone and desktop widths."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from conftest import SAMPLE

from pressrun.render import number_notes

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_number_notes_keeps_nested_spans():
    html = (
        '<p>A<span class="footnote">One <span lang="ja">日本</span>.</span> B'
        '<span class="footnote">Two.</span></p><!--pressrun:notes-->'
    )
    out = number_notes(html, "Notes")
    assert out.count('class="note-ref"') == 2
    assert (
        '<li id="note-1">One <span lang="ja">日本</span>. <a class="back" href="#note-ref-1"' in out
    )
    assert '<li id="note-2">Two. <a class="back"' in out
    assert "footnote" not in out


@pytest.mark.parametrize("lang", ["en", "es"])
def test_web_edition_html(sample, lang):
    html = (sample.output / SAMPLE / lang / "index.html").read_text(encoding="utf-8")
    assert html.count('class="note-ref"') == 9 and html.count('role="doc-backlink"') == 9
    assert html.count('class="csl-entry"') == 7
    assert '<a href="handout.pdf">' in html and '<a href="booklet-print.pdf">' in html
    other = "es" if lang == "en" else "en"
    assert f'<a href="../{other}/index.html" hreflang="{other}"' in html
    assert "file:" not in html and "<script" not in html
    assert '<a href="https://doi.org/10.2307/2049056">' in html


@pytest.fixture(scope="module")
def served(sample):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(sample.output))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{SAMPLE}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize(("width", "height", "sidenotes"), [(390, 844, False), (1400, 900, True)])
def test_in_chromium(served, browser, tmp_path, width, height, sidenotes):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{served}/en/index.html")
    assert page.title() == "Soviet–Japanese Basic Convention"
    assert page.locator(".sidenote").first.is_visible() is sidenotes
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#note-ref-3 a").click()
    page.wait_for_url(re.compile(r"#note-3$"))
    note = page.locator("#note-3")
    assert note.is_visible() and note.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }"
    )
    assert "Fisher and Moore" in note.inner_text() or "Raymond H. Fisher" in note.inner_text()
    note.locator("a.back").click()
    page.wait_for_url(re.compile(r"#note-ref-3$"))
    shot = tmp_path / f"web-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    page.locator('a[hreflang="es"]').first.click()
    page.wait_for_url(re.compile(r"/es/index\.html$"))
    assert page.locator("h1").inner_text() == "Convención Básica Soviético-Japonesa"
    assert problems == []
    page.close()


@pytest.mark.parametrize("width", [360, 768, 1024, 1280, 1300, 1366, 1440, 1920])
def test_no_sideways_scrolling_and_no_clipped_note(served, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{served}/en/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    edges = page.evaluate(
        "[...document.querySelectorAll('.sidenote')].filter(e => e.offsetParent)"
        ".map(e => e.getBoundingClientRect().right)"
    )
    assert all(right <= width for right in edges), f"a sidenote reaches {max(edges)} px"
    assert bool(edges) is (width >= 1024), "sidenotes from 64rem (1024 px) on"
    page.close()
