"""Browser tests: Playwright drives Debian's Chromium, headless, against Clerkflow on a real HTTP server.

Each test module gets its own server: werkzeug on 127.0.0.1 and a free port, in a thread, serving
`web.create_app` on a fresh SQLite file prepared as `clerkflow setup` prepares one (migrated, city
data seeded, `processes/` and a copy of `forms/` deployed, demo accounts and demo requests added). So the
tests run side by side under pytest-xdist, and never on the PostgreSQL database of the others.

Every person in a test (a requester, a custodian, a clerk) has a browser context of their own.
`Visit.audit()` runs axe-core on the page shown; a test that ends having shown a page it did not
audit fails. `Visit.shot(name)` audits, then writes a full-page screenshot to docs/screenshots/.

Chromium: `CLERKFLOW_CHROMIUM`, else /usr/bin/chromium (Debian's package; `make browser` installs it
as root). Without it, or without the playwright package or axe-core, the tests are skipped and say
why; with CLERKFLOW_REQUIRE_BROWSER set (CI), they fail instead. Playwright never downloads a browser here (no `playwright install`).
"""
from __future__ import annotations

import argparse
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from browsing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    VIEWPORT,
    Visit,
    why_no_browser_tests,
)


BROWSER_TESTS = Path(__file__).resolve().parent


@dataclass
class Site:
    url: str
    app: object

    def demo_request(self, nth: int) -> str:
        """The tracking number of the nth demo request `clerkflow setup` filed (1, 2, 3). Tests name the
        request they act on rather than take "the first row", and its number carries the year it was filed."""
        from web import ENGINE_EXTENSION
        engine = self.app.extensions[ENGINE_EXTENSION]
        filed = sorted(engine.list_instances(process_key="records_request", limit=1000),
                       key=lambda instance: instance.instance_id)
        return filed[nth - 1].business_key


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Clerkflow as `clerkflow setup` leaves it, served over HTTP for this module's tests."""
    reason = why_no_browser_tests()
    if reason and os.environ.get("CLERKFLOW_REQUIRE_BROWSER"):
        pytest.fail(f"CLERKFLOW_REQUIRE_BROWSER is set but {reason}")
    if reason:
        pytest.skip(reason)
    from werkzeug.serving import make_server

    from city.office import open_engine_at
    from migrations import SCHEMA
    from engine import cli
    from web import ENGINE_EXTENSION, create_app
    from web.commands import setup
    from web.models import db

    folder = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{folder / 'clerkflow.db'}"
    forms = folder / "forms"        # a copy: forms saved in the forms editor never touch the repository's
    shutil.copytree(REPO / "forms", forms)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("CLERKFLOW_INSTANCE_DIR", str(folder / "instance"))
        environment.delenv("DATABASE_URL", raising=False)
        environment.delenv("CLERKFLOW_DEMO_PASSWORD", raising=False)
        console = cli.Console(url, SCHEMA, open_engine_at)
        try:
            setup(console, argparse.Namespace(processes=str(REPO / "processes"), forms=str(forms),
                                              no_demo=False))
        finally:
            console.close()
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-tests", "FORMS_DIR": str(forms)})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="clerkflow-browser-site", daemon=True)
        thread.start()
        try:
            yield Site(f"http://127.0.0.1:{server.server_port}", app)
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
            app.extensions[ENGINE_EXTENSION].database.dispose()
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import expect, sync_playwright

    # As long as an action may take (15 s, below): on a busy CI machine validating or deploying the records
    # request diagram can take longer than expect's own 5 s, and a slow answer is not a wrong one.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


# When a page moves on while a large static file (the modeler's bundle) is still being sent, Chromium drops
# the connection and werkzeug's test server leaves the file for the garbage collector: a warning about
# the test server, not about Clerkflow, which under filterwarnings=error failed a walk now and then.
SERVER_LEFT_A_STATIC_FILE_OPEN = "ignore:Exception ignored in.*FileIO.*/static/:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(SERVER_LEFT_A_STATIC_FILE_OPEN))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def person(request, browser, site):
    """`person("requester")`: a new browser context (own cookies) and tab on the site."""
    visits: list[Visit] = []
    contexts = []

    def open_as(who: str) -> Visit:
        context = browser.new_context(base_url=site.url, viewport=VIEWPORT, accept_downloads=True, locale="en-US",
                                      timezone_id="America/Chicago")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(who, page)
        page.on("framenavigated", lambda frame: frame == page.main_frame and frame.url.startswith(site.url)
                and visit.shown.append(frame.url))
        page.on("console", lambda message: visit.console(message.type, message.text, message.location.get("url", "")))
        page.on("pageerror", lambda error: visit.errors.append(str(error)))
        visits.append(visit)
        return visit

    yield open_as
    for context in contexts:
        context.close()
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed:
        missed = {visit.who: visit.unaudited() for visit in visits if visit.unaudited()}
        assert not missed, f"pages shown but not checked with axe-core: {missed}"
