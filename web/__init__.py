"""Clerkflow's web app: the application factory and one blueprint per audience.

`create_app()` builds the app; nothing here reads config or opens a connection at import
time. Views reach the engine through `web.current.process_engine()`, the app's one `ProcessEngine`, and
the city's data (offices, fee schedules, closures, ...) through `web.current.city_data()`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from city.citydata import CityData
from city.office import open_engine
from engine import Database
from engine.config import instance_dir
from engine.filestore import FileStore
from web.current import CITY_DATA_EXTENSION, ENGINE_EXTENSION

__all__ = ["create_app", "ENGINE_EXTENSION", "CITY_DATA_EXTENSION"]


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from web import (account, admin, api, auth, catalog, connector, csrf, errors, health, https, id_bounds, inbox,
                     layout, modeler, portal)
    from web.api import limits as api_limits
    from web.config import configure
    from web.demo import register_demo_command
    from web.models import db
    from web.tables import TABLE_MODULES  # noqa: F401  (every table's mapper, before the first query)
    from web.portal import views as portal_views

    app = Flask(__name__, instance_path=str(instance_dir()))
    configure(app, overrides)
    _trust_proxies(app)
    db.init_app(app)
    database = Database(app.config["DATABASE_URL"])
    app.extensions[CITY_DATA_EXTENSION] = CityData(database)
    # The engine's service tasks read uploads (a data set's sample) from the store the pages write to.
    files = FileStore(app.config.get("FILES_DIR") or Path(app.instance_path) / "files")
    app.extensions[ENGINE_EXTENSION] = open_engine(database, city_settings=app.extensions[CITY_DATA_EXTENSION],
                                                   files=files)

    https.init_https(app)        # Secure session cookie and HSTS when served over HTTPS
    csrf.init_csrf(app)
    auth.init_auth(app)          # after CSRF: a forged POST is refused before anything else looks at it
    api_limits.init_limits(app)  # after sign-in: a call is counted against the account making it
    layout.init_layout(app)
    errors.init_errors(app)
    id_bounds.init_id_bounds(app)   # before any route: `<int:...>` stops at the largest row id
    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(catalog.bp)      # the open data catalog, /data (issue 16)
    app.register_blueprint(api.bp)
    app.register_blueprint(connector.bp)    # SpiffArena's connector proxy protocol, /connector (issue 19)
    app.register_blueprint(modeler.bp)
    app.register_blueprint(account.bp)
    app.view_functions["home"] = portal_views.home   # "/" is the public portal's front page (issue 5)
    register_demo_command(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (CLERKFLOW_TRUSTED_PROXIES=N), read the client's address, scheme and
    host from the X-Forwarded-* headers the proxies add. Without it the portal's per-address limit
    would count every requester as the proxy; with it set wrongly, a client could forge its address,
    so it is off unless the administrator says how many proxies stand in front."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
