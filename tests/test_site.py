"""The built site, opened in a real browser (headless Chromium, Playwright).

Needs ``jupyter-book build .`` first and Debian's ``chromium``: without
either the tests skip, saying why, except under CI (``CI`` set), where a
missing browser fails them; ``.ci/run`` builds the site and installs
chromium before it runs ``pytest``, so there they always run. Every page is served from ``_build/html`` on localhost with no
other network access: scripts, styles, fonts, MathJax and the widget manager
must all come from the site itself (a classroom without internet).
Screenshots land in ``_build/screenshots`` for a person to look at.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9]*.ipynb"))
PAGES = ["book/intro", *(f"book/{c}" for c in CHAPTERS), "book/references"]
#: Messages of upstream code that are not errors of this site.
KNOWN = (
    # pydata-sphinx-theme logs this with console.error on a first visit
    # (nothing stored yet) and then picks the default mode, as intended.
    "Got invalid theme mode: . Resetting to auto.",
)
EXPLORERS = {"book/04_autorec_studies", "book/06_activations",
             "book/07_overfitting", "book/09_dropout", "book/10_refeeding"}
SCREENSHOT = {"book/intro", "book/10_refeeding", "book/11_comparison",
              "book/12_recommending"}




class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not (HTML / "index.html").exists():
        pytest.skip("no built site: run `jupyter-book build .` first")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        why = ("the site is built but Debian's chromium is missing "
               "(apt-get install chromium)")
        if os.environ.get("CI"):  # CI must run these tests, not skip them
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright
    handler = functools.partial(_Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=chromium,
                                   args=["--no-sandbox"])
        yield f"http://127.0.0.1:{server.server_port}", chrome
        chrome.close()
    server.shutdown()


def _open(browser, page_name):
    """Load a page; return (page, problems) with every error seen."""
    base, chrome = browser
    page = chrome.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if m.type == "error" and m.text not in KNOWN else None)
    page.on("requestfailed",
            lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(
        f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def route(route):  # the site must not need the internet
        url = urlparse(route.request.url)
        if url.scheme in ("http", "https") and url.hostname != "127.0.0.1":
            problems.append(f"external request: {route.request.url}")
            return route.abort()
        return route.continue_()
    page.route("**/*", route)
    page.goto(f"{base}/{page_name}.html", wait_until="load")
    return page, problems


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_with_images_math_and_widgets(browser, name):
    page, problems = _open(browser, name)
    try:
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && "
                   "i.naturalWidth > 0)).map(i => i.src)")
        assert broken == [], f"images that did not load: {broken}"
        if page.locator("div.math, span.math").count():
            page.wait_for_selector("mjx-container", timeout=15_000)
            assert page.locator("mjx-merror").count() == 0
        views = page.locator(
            "script[type='application/vnd.jupyter.widget-view+json']").count()
        if views:  # stored widget views are rendered by the widget manager
            page.wait_for_selector(".jupyter-widgets", state="attached",
                                   timeout=15_000)
        if name in EXPLORERS:  # saved runs, curves, train-a-new-one
            page.wait_for_selector(".jupyter-widgets select[multiple]",
                                   timeout=15_000)
            assert page.locator(".widget-output img").count() >= 1
            assert page.locator(".jupyter-widgets button",
                                has_text="Train this configuration").count() == 1
        if name == "book/12_recommending":  # the rating app's first view
            page.wait_for_selector(".jupyter-widgets select", timeout=15_000)
            assert page.locator(".jupyter-widgets select").count() == 12
            assert "Shawshank" in page.locator(".widget-output").first.inner_text()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.locator(".widget-vbox:has(select)").first.screenshot(
                path=str(SHOTS / "12_recommending-app.png"))
        if name in SCREENSHOT:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{Path(name).name}.png"),
                            full_page=False)
        assert problems == []
    finally:
        page.close()


@pytest.mark.parametrize("name", [f"book/{c}" for c in CHAPTERS])
def test_launch_buttons_open_this_chapter_on_main(browser, name):
    page, _ = _open(browser, name)
    try:
        links = page.eval_on_selector_all(
            "a[href]", "as => as.map(a => a.href)")
    finally:
        page.close()
    repo = urlparse(CONFIG["repository"]["url"]).path.strip("/")
    notebook = f"{name}.ipynb"
    colab = [u for u in links if "colab.research.google.com" in u]
    binder = [u for u in links if "mybinder.org" in u]
    assert colab == [f"https://colab.research.google.com/github/{repo}/"
                     f"blob/main/{notebook}"]
    assert len(binder) == 1 and f"/gh/{repo}/main?" in binder[0]
    assert binder[0].endswith(notebook)


#: Chapters whose figures and tables are glued with numbers and captions
#: (issue 13; tests/test_book.py NOT_YET_BOUND lists the others).
from test_book import NOT_YET_BOUND  # noqa: E402

BOUND = [f"book/{c}" for c in CHAPTERS if c not in NOT_YET_BOUND]


@pytest.mark.parametrize("name", BOUND)
def test_every_figure_and_table_has_a_number_and_caption(browser, name):
    page, _ = _open(browser, name)
    try:
        unnumbered = page.eval_on_selector_all(
            "article img", """imgs => imgs.filter(i =>
                !i.closest('.widget-output, .jupyter-widgets') &&
                !(i.closest('figure') &&
                  i.closest('figure').querySelector('.caption-number')))
                .map(i => i.src)""")
        assert unnumbered == [], f"figures without number/caption: {unnumbered}"
        tables = page.eval_on_selector_all(
            "article table", """ts => ts.filter(t =>
                !t.closest('.cell_output, .output, .jupyter-widgets') &&
                !t.querySelector('caption .caption-number')).length""")
        assert tables == 0, f"{tables} tables without a number and caption"
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_cross_reference_resolves_and_one_search_box(browser, name):
    page, _ = _open(browser, name)
    try:
        hrefs = page.eval_on_selector_all(
            "article a.reference.internal[href]",
            "as => as.map(a => a.getAttribute('href'))")
        searches = page.locator(
            ".search-button-field:visible, .search-button:visible").count()
    finally:
        page.close()
    here = HTML / f"{name}.html"
    missing = []
    for href in hrefs:
        target, _, anchor = href.partition("#")
        file = (here.parent / target).resolve() if target else here
        if not file.exists():
            missing.append(href)
        elif anchor and f'id="{anchor}"' not in file.read_text():
            missing.append(href)
    assert missing == [], f"links that go nowhere: {missing}"
    assert searches == 1, f"{searches} search boxes (want one)"
