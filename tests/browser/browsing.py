"""What the browser tests share: where Chromium is, why the tests cannot run, and `Visit`, one
person's browser tab that audits every page it shows with axe-core and keeps screenshots.

An audit also fails when the browser reported an error on the console: a script or style the
Content-Security-Policy refused, a script that failed, a file that could not be loaded."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from axe_audit import AXE_SCRIPT, audit

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CLERKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
DEMO_PASSWORD = "clerkflow-demo"


def why_no_browser_tests() -> str | None:
    """Why the browser tests cannot run on this machine, or None."""
    if not Path(CHROMIUM).is_file():
        return (f"no Chromium at {CHROMIUM}: run `make browser` as root (it installs Debian's chromium package), "
                "or `sudo apt-get install chromium`, or set CLERKFLOW_CHROMIUM to a Chromium binary")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing: pip install -e '.[test]' (make test does)"
    if not AXE_SCRIPT.is_file():
        return "axe-core is missing from node_modules: run npm install (make test does)"
    return None


@dataclass
class Visit:
    """One person's browser tab; remembers every page shown and every page audited."""

    who: str
    page: object
    shown: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)     # the browser's console errors (a refused script, ...)

    def go(self, path: str):
        self.page.goto(path)
        return self.audit()

    def audit(self):
        """axe-core on the page shown now: fails on any serious or critical WCAG 2.1 A/AA violation."""
        self.page.wait_for_load_state()
        errors, self.errors = self.errors, []
        assert not errors, f"the browser reported errors on {self.page.url}: {errors}"
        audit(self.page)
        self.audited.add(_document(self.page.url))
        return self.page

    def shot(self, name: str):
        """Audit the page, then keep a full-page screenshot as docs/screenshots/<name>.png."""
        if _document(self.page.url) not in self.audited:
            self.audit()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        return self.page

    def sign_in(self, username: str):
        """Sign in with a demo account on the sign-in page, audited before and after."""
        page = self.go("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        return self.audit()

    def console(self, kind: str, text: str, source: str) -> None:
        """An error on the console, unless it is a page's own status (a 404 or 422 page is a page)."""
        if kind == "error" and _document(source) not in {_document(url) for url in (*self.shown, self.page.url)}:
            self.errors.append(f"{text} ({source})" if source else text)

    def unaudited(self) -> list[str]:
        return [url for url in self.shown if _document(url) not in self.audited]


def _document(url: str) -> str:
    """The page's address without its #fragment: a jump within a page shows no new page."""
    return url.split("#", 1)[0]
