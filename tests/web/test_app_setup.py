"""How the app is put together: configuration order, the secret key, health, the schema and demo sign-ins."""
from __future__ import annotations

import stat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from engine.db import Base
from engine.migrate import include_object
from web import ENGINE_EXTENSION, create_app
from web.demo import ensure_demo_accounts
from web.models import StaffAccount, db


def dispose(app):
    app.extensions[ENGINE_EXTENSION].database.dispose()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_secret_key_is_made_once_kept_private_and_reused(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("CLERKFLOW_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": database_url})
    second = create_app({"DATABASE_URL": database_url})
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    dispose(first)
    dispose(second)


def test_production_refuses_to_start_without_a_secret_key(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("CLERKFLOW_SECRET_KEY", raising=False)
    monkeypatch.setenv("CLERKFLOW_ENV", "production")
    try:
        create_app({"DATABASE_URL": database_url})
    except RuntimeError as refusal:
        assert "CLERKFLOW_SECRET_KEY" in str(refusal)
    else:
        raise AssertionError("started without a secret key")
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_config_order_is_defaults_then_environment_then_overrides(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "from-environment.db"))
    monkeypatch.setenv("CLERKFLOW_SECRET_KEY", "from-environment")
    monkeypatch.setenv("CLERKFLOW_MAX_CONTENT_LENGTH", "1024")
    from_environment = create_app()
    assert from_environment.config["DATABASE_URL"].endswith("from-environment.db")
    assert from_environment.config["SQLALCHEMY_DATABASE_URI"] == from_environment.config["DATABASE_URL"]
    assert from_environment.config["SECRET_KEY"] == "from-environment"
    assert from_environment.config["MAX_CONTENT_LENGTH"] == 1024
    assert from_environment.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    overridden = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "override"})
    assert overridden.config["SQLALCHEMY_DATABASE_URI"] == database_url
    assert overridden.config["SECRET_KEY"] == "override"
    assert not (tmp_path / "from-environment.db").exists()    # making an app opens no connection
    dispose(from_environment)
    dispose(overridden)


def test_health_check_answers_ok_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"   # and the scheduler's numbers (test_health_heartbeat)


def test_migrations_create_exactly_the_tables_the_models_describe(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_demo_accounts_are_created_once_and_never_overwritten(app, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_DEMO_PASSWORD", "first password")
    with app.app_context():
        listed = ensure_demo_accounts(db.session)
        db.session.commit()
        custodian_roles = tuple(sorted(("custodian", "custodian:city_attorney", "custodian:city_clerk",
                                        "custodian:city_treasurer", "custodian:fire", "custodian:municipal_court",
                                        "custodian:police")))
        assert listed == [("clerk", ("city_clerk", "clerk")), ("custodian", custodian_roles),
                          ("attorney", ("city_attorney",)), ("records", ("records_manager",)),
                          ("liaison", ("open_data_liaison",)), ("itdata", ("it_open_data_coordinator",)),
                          ("officer", ("open_data_officer",)), ("manager", ("city_manager",)), ("it", ("information_technology",)),
                          ("procurement", ("procurement",)), ("analyst", ("analyst",)), ("admin", ("administrator",))]
        admin = db.session.scalars(select(StaffAccount).where(StaffAccount.username == "admin")).one()
        admin.set_roles(["administrator", "analyst"])
        db.session.commit()

        monkeypatch.setenv("CLERKFLOW_DEMO_PASSWORD", "second password")
        again = ensure_demo_accounts(db.session)
        db.session.commit()
        assert ("admin", ("administrator", "analyst")) in again
        assert db.session.scalar(select(db.func.count()).select_from(StaffAccount)) == 12
        admin = db.session.scalars(select(StaffAccount).where(StaffAccount.username == "admin")).one()
        assert admin.check_password("first password") and not admin.check_password("second password")


def test_demo_accounts_command_prints_the_sign_ins(app):
    result = app.test_cli_runner().invoke(args=["demo-accounts"])
    assert result.exit_code == 0, result.output
    assert "custodian" in result.output and 'the default "clerkflow-demo"' in result.output
