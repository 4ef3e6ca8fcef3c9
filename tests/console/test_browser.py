"""The console in a real headless Chromium (Debian's ``chromium``, driven by Playwright): log in,
filter, open a call, seek the redacted audio, confirm a finding, file and judge an appeal; then
the database and the audit log are checked, and every page seen is scanned for unmasked values.
The screenshots of the README are taken here: into ``docs/console-*.png`` when
``CALLSENTRY_UPDATE_SCREENSHOTS=1``, else into the test's temporary folder (so a test run leaves
the checkout unchanged)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.console import create_app
from pipeline.store import Judgement, Verdict
from tests.console.seed import PASSWORDS, Seeded, seed_store

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
UPDATE_SCREENSHOTS = os.environ.get("CALLSENTRY_UPDATE_SCREENSHOTS") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--headless",
    "--autoplay-policy=no-user-gesture-required",
]
START_TIMEOUT_S = 10.0
SEEK_TO_S = 10.0  # the start of the third turn (the critical finding)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    seeded = seed_store(tmp_path_factory.mktemp("console"))
    app = create_app(seeded.store, seeded.settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not srv.started:
        assert time.monotonic() < deadline, "console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", seeded
    srv.should_exit = True
    thread.join(timeout=START_TIMEOUT_S)
    seeded.store.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Pages:
    """Keeps every page's HTML the test saw, for the scan at the end."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def keep(self, page) -> None:
        self.seen.append((page.url, page.content()))


def _login(page, base: str, name: str, pages: Pages) -> None:
    page.goto(f"{base}/calls")
    assert page.url.endswith("/login")  # no session: the login form
    pages.keep(page)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/calls")


def test_review_a_call_in_the_browser(server: tuple[str, Seeded], browser, tmp_path: Path) -> None:
    base, seeded = server
    pages = Pages()
    shots = DOCS_DIR if UPDATE_SCREENSHOTS else tmp_path
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    offsite: list[str] = []
    page.on("request", lambda r: offsite.append(r.url) if not r.url.startswith(base) else None)

    # log in as a reviewer, filter the list
    _login(page, base, "rita", pages)
    assert page.locator("#call-list tbody tr").count() == 5
    pages.keep(page)
    page.screenshot(path=str(shots / "console-calls.png"), full_page=True)
    page.select_option("select[name=rule]", "no-sensitive-auth-request")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**/calls?*rule=no-sensitive-auth-request*")
    assert page.locator("#call-list tbody tr").count() == 1
    pages.keep(page)

    # open the call; click a turn: the redacted recording seeks there
    page.click("text=call-001")
    page.wait_for_selector("#player")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.click("#turn-2 .text")
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {SEEK_TO_S}) < 1.5"
    )
    assert page.get_attribute("#player", "src").endswith("/audio/redacted.wav")
    pages.keep(page)
    page.screenshot(path=str(shots / "console-call.png"), full_page=True)

    # confirm the critical finding, then appeal it for the agent
    finding = page.locator("article.finding", has_text="no-sensitive-auth-request")
    finding.locator("input[name=comment]").fill("agent asked for the password")
    finding.locator("button:has-text('Confirm')").click()
    page.wait_for_selector("text=confirmed by rita")
    finding = page.locator("article.finding", has_text="no-sensitive-auth-request")
    finding.locator("input[name=reason]").fill("the customer started reading it out unasked")
    finding.locator("button:has-text('File appeal')").click()
    page.wait_for_selector("text=Waiting for a supervisor")
    notice = page.locator("article.finding", has_text="recording-notice")
    notice.locator("input[name=comment]").fill("the notice was given at 00:00")
    notice.locator("button:has-text('Dismiss')").click()
    page.wait_for_selector("text=dismissed by rita")
    pages.keep(page)
    page.click("button:has-text('Log out')")
    page.wait_for_url(f"{base}/login")

    # a supervisor judges the appeal (final)
    _login(page, base, "sam", pages)
    page.goto(f"{base}/appeals")
    pages.keep(page)
    page.click("text=call-001")
    page.wait_for_selector(".judge-form")
    page.locator(".judge-form input[name=comment]").fill(
        "the agent should have stopped the customer"
    )
    page.click("button:has-text('Uphold')")
    page.wait_for_selector("text=No further appeal")
    pages.keep(page)
    for path, shot in (("/dashboards", "dashboards"), ("/rules/precision", "precision")):
        page.goto(f"{base}{path}")
        pages.keep(page)
        page.screenshot(path=str(shots / f"console-{shot}.png"), full_page=True)
    context.close()

    # an auditor reads the audit log
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    _login(page, base, "aude", pages)
    page.goto(f"{base}/audit")
    assert page.locator("text=The hash chain checks out").count() == 1
    pages.keep(page)
    page.screenshot(path=str(shots / "console-audit.png"))
    context.close()

    # the database and the audit chain
    pk = seeded.call_pks["call-001"]
    detail = seeded.store.calls.get(pk)
    assert detail is not None
    critical = next(v for v in detail.violations if v.rule_id == "no-sensitive-auth-request")
    review, appeal = seeded.store.reviews.for_call(pk)[critical.pk]
    assert review is not None and review.verdict is Verdict.CONFIRM and review.reviewer == "rita"
    assert review.comment == "agent asked for the password"
    assert appeal is not None and appeal.filed_by == "rita"
    assert appeal.judgement is Judgement.UPHOLD and appeal.judge == "sam"
    notice = next(v for v in detail.violations if v.rule_id == "recording-notice")
    dismissed, _ = seeded.store.reviews.for_call(pk)[notice.pk]
    assert dismissed is not None and dismissed.verdict is Verdict.DISMISS
    entries = seeded.store.audit.entries()
    trail = [
        (e.actor, e.action)
        for e in entries
        if e.subject in ("call:call-001", f"violation:{critical.pk}")
    ]
    for expected in (
        ("rita", "call.opened"),
        ("rita", "review.verdict"),
        ("rita", "review.appeal"),
        ("sam", "call.opened"),
        ("sam", "review.judgement"),
    ):
        assert expected in trail
    assert seeded.store.audit.verify().ok

    # nothing unmasked on any page, nothing fetched from elsewhere
    assert len(pages.seen) >= 10
    for url, html in pages.seen:
        assert find_unmasked_pii(html) == [], url
    assert offsite == []
    assert len(list(shots.glob("console-*.png"))) == 5
