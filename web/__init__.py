"""Clerkflow's web app: the application factory and one blueprint per audience.

`create_app()` builds the app; nothing here reads config or opens a connection at import
time. Views reach the engine only through `process_engine()`, the app's one `ProcessEngine`, and the
city's data (offices, fee schedules, closures, ...) through `city_data()`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g

from city.citydata import CityData
from city.office import open_engine
from engine import Database, ProcessEngine
from engine.config import instance_dir

if TYPE_CHECKING:
    from web.models import StaffAccount

ENGINE_EXTENSION = "clerkflow_engine"
CITY_DATA_EXTENSION = "clerkflow_city_data"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from web import account, admin, api, auth, csrf, errors, health, inbox, layout, modeler, portal
    from web.api import limits as api_limits
    from web.config import configure
    from web.demo import register_demo_command
    from web.models import db   # also brings in web.models_portal's tables
    from web.portal import views as portal_views

    app = Flask(__name__, instance_path=str(instance_dir()))
    configure(app, overrides)
    _trust_proxies(app)
    db.init_app(app)
    database = Database(app.config["DATABASE_URL"])
    app.extensions[CITY_DATA_EXTENSION] = CityData(database)
    app.extensions[ENGINE_EXTENSION] = open_engine(database, city_settings=app.extensions[CITY_DATA_EXTENSION])

    csrf.init_csrf(app)
    auth.init_auth(app)          # after CSRF: a forged POST is refused before anything else looks at it
    api_limits.init_limits(app)  # after sign-in: a call is counted against the account making it
    layout.init_layout(app)
    errors.init_errors(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(api.bp)
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


def process_engine() -> ProcessEngine:
    """The running app's engine (one per app, made by `create_app`)."""
    return current_app.extensions[ENGINE_EXTENSION]


def city_data() -> CityData:
    """The running app's city data: call it for the settings in force, `apply` a change through it."""
    return current_app.extensions[CITY_DATA_EXTENSION]


def work_roles(staff: StaffAccount) -> frozenset[str]:
    """The roles a person works under: their account's, plus `custodian:<office>` for every office
    whose register names them a designated record custodian today (003, Art. 6)."""
    from city.rules.custodians import designated_roles

    register = city_data()().get("custodian_register", {})
    return staff.role_set | frozenset(designated_roles(staff.username, register))


def visible_task(task_id: int):
    """The task, if it is work for one of the signed-in person's roles, theirs, or they supervise
    (`web.inbox.assignment.SUPERVISOR_ROLES`, administrators among them)."""
    from engine import NotAllowed
    from web.inbox.assignment import is_supervisor

    staff = signed_in_staff()
    task = process_engine().get_task(task_id)
    if (task.candidate_role is None or task.candidate_role in work_roles(staff) or task.assignee == staff.username
            or is_supervisor(staff)):
        return task
    raise NotAllowed(f'"{task.title}" is work for the {task.candidate_role} role.')


def signed_in_staff() -> StaffAccount:
    """The `StaffAccount` of this request (views behind `@staff_only` always have one)."""
    return g.staff
