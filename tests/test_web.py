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
    # A sidenote repeats its note for the eye only: a screen reader hears the note once.
    sidenotes = re.findall(
        r'<span class="sidenote"([^>]*)>(.*?)</span></sup>|'
        r'<span class="sidenote"([^>]*)>',
        html,
    )
    assert len(sidenotes) == 9
    assert all('aria-hidden="true"' in (a or c) for a, _, c in sidenotes)
    assert '<a tabindex="-1" href="https://doi.org/10.2307/2049056">' in html


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


@pytest.fixture(scope="module")
def every_web_edition(sample, specimen, second, worksheet, tmp_path_factory):
    """One server for the web editions of every sample publication."""
    root = tmp_path_factory.mktemp("sites")
    for project in (sample, specimen, second, worksheet):
        for folder in project.output.iterdir():
            if folder.is_dir() and folder.name != "editions" and not folder.name.startswith("."):
                (root / folder.name).symlink_to(folder)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    pages = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*/index.html"))
    yield f"http://127.0.0.1:{httpd.server_address[1]}", pages
    httpd.shutdown()
    httpd.server_close()


WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.mark.parametrize("width", [360, 1400])
def test_axe_finds_no_violation_on_any_web_edition(every_web_edition, browser, width):
    from axe_playwright_python.sync_playwright import Axe

    base, pages = every_web_edition
    assert len(pages) >= 8
    axe = Axe()
    found = []
    for path in pages:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{base}/{path}")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        found += [(path, v["id"], v["nodes"][0]["target"]) for v in results.response["violations"]]
        page.close()
    assert found == []


def test_notes_and_back_links_by_keyboard_with_a_visible_focus(served, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{served}/en/index.html")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.className")
    assert skip == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "pressrun-text"
    # On to the first note's call, by Tab alone.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.note-ref') !== null"):
            break
    else:
        pytest.fail("no note call is reachable by Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline == "solid" and width >= 2
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#note-1$"))
    # The note's back-link is the next stop once the note is reached.
    page.evaluate("document.querySelector('#note-1 a.back').focus()")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#note-ref-1$"))
    page.close()


def test_print_stylesheet_hides_navigation(served, browser):
    page = browser.new_page()
    page.goto(f"{served}/en/index.html")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator(".notes").is_visible()
    page.emulate_media(media="screen", reduced_motion="reduce")
    assert page.locator("header.site").is_visible()
    page.close()


def test_parallel_web_page_rows_align_and_phones_switch(served, browser):
    """The parallel edition's page: each unit's two sides in one row, no sideways scrolling
    from phone to wide screen, and on a phone one language at a time, switched."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{served}/en-es/index.html")
    tops = page.evaluate(
        """() => ['en-background', 'es-antecedentes', 'en-aftermath', 'es-consecuencias']
             .map(id => document.getElementById(id).getBoundingClientRect().top)"""
    )
    assert abs(tops[0] - tops[1]) < 1 and abs(tops[2] - tops[3]) < 1
    for width in (360, 768, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.is_visible("#en-background") and not page.is_visible("#es-antecedentes")
    page.click("label[for=show-es]")
    assert page.is_visible("#es-antecedentes") and not page.is_visible("#en-background")
    page.close()
