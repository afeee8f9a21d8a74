"""Administrator pages for staff accounts: list, create, edit roles and display name, reset a
password, deactivate and reactivate (issue 5, "Sign-in and roles"; docs/administration.md).

Every route needs the administrator role and every form carries the session's CSRF token (checked
for every POST by `web.csrf`). A form with mistakes is shown again with everything typed kept
(except passwords) and a message next to each mistake. No change may leave the app without an
active administrator, so the last one cannot lock themself (or anyone else) out. A new password and
deactivation end every session of the account at once (its `session_epoch`, web/auth.py); an administrator
setting their own password stays signed in in the browser that did it.
"""
from __future__ import annotations

import logging
import re

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from web.current import city_data, signed_in_staff
from web.admin.blueprint import bp
from web.admin.account_changes import account_facts, record_account_change
from web.admin.liaison_departments import liaison_form, save_liaison_departments
from web.auth import keep_this_session, role_required
from web.mail import valid_email_address
from city.defaults import DEFAULT_OFFICE_KEYS
from city.rules.roles import custodian_role
from web.access import ADMINISTRATOR, ROLE_DESCRIPTIONS, ROLES
from web.models import MIN_PASSWORD_LENGTH, NOTIFY_CHOICES, StaffAccount, db, normalize_username

log = logging.getLogger(__name__)

MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")
LAST_ADMINISTRATOR = ("There must always be an active administrator: make another account an active administrator "
                      "before taking the administrator role away from this one or deactivating it.")


def role_choices(account: StaffAccount | None = None) -> list[tuple[str, str]]:
    """(role, label) for every role an administrator may grant: the staff roles, the custodian role of
    each office in the city's custodian register, and any other role `account` already holds (so
    saving the form never drops a role silently)."""
    choices = [(role, ROLE_DESCRIPTIONS.get(role, role)) for role in ROLES]
    for office_key, office in _custodian_register().items():
        name = office.get("name") or office_key
        choices.append((custodian_role(office_key), f"Records custodian of the {name}"))
    offered = {role for role, _ in choices}
    for role in sorted((account.role_set if account else frozenset()) - offered):
        choices.append((role, f"{role} (held now; no longer offered)"))
    return choices


def _custodian_register() -> dict:
    register = city_data()().get("custodian_register") or {}
    if not register:           # no city data yet: the offices of Art. 6
        register = {office_key: {"name": office_key.replace("_", " ").title()} for office_key in DEFAULT_OFFICE_KEYS}
    return dict(register)


def active_administrator_ids() -> set[int]:
    accounts = db.session.scalars(select(StaffAccount).where(StaffAccount.active.is_(True)))
    return {account.id for account in accounts if account.has_role(ADMINISTRATOR)}


def _leaves_no_administrator(account: StaffAccount, *, roles: set[str], active: bool) -> bool:
    others = active_administrator_ids() - {account.id}
    return not others and not (active and ADMINISTRATOR in roles)


def _chosen_roles(account: StaffAccount | None, errors: dict[str, str]) -> set[str]:
    offered = {role for role, _ in role_choices(account)}
    chosen = {role.strip() for role in request.form.getlist("roles") if role.strip()}
    unknown = chosen - offered
    if unknown:
        errors["roles"] = f"There is no role {', '.join(sorted(unknown))}; choose from the list."
    return chosen & offered


def _display_name(errors: dict[str, str]) -> str:
    display_name = " ".join(request.form.get("display_name", "").split())
    if not display_name:
        errors["display_name"] = "Enter the person's name as colleagues should see it."
    elif len(display_name) > 200:
        errors["display_name"] = "Keep the display name to 200 characters or fewer."
    return display_name


def _email(errors: dict[str, str]) -> str | None:
    """The optional address task notices go to (docs/mail.md); None when left empty."""
    typed = request.form.get("email", "").strip()
    if not typed:
        return None
    address = valid_email_address(typed)
    if address is None:
        errors["email"] = "Enter an e-mail address like name@city.example, or leave it empty."
    return address


def _notify(errors: dict[str, str]) -> str:
    chosen = request.form.get("notify", "immediate")
    if chosen not in {value for value, _label in NOTIFY_CHOICES}:
        errors["notify"] = "Choose one of the ways to hear of new tasks."
    return chosen


def _password(errors: dict[str, str]) -> str:
    password = request.form.get("password", "")
    confirm = request.form.get("password_confirm", "")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors["password"] = f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters."
    elif password != confirm:
        errors["password_confirm"] = "The two passwords differ; type the same password twice."
    return password


def _values_of(account: StaffAccount) -> dict:
    return {"display_name": account.display_name, "roles": set(account.role_set), "email": account.email or "",
            "notify": account.notify or "immediate"}


def _account_or_404(user_id: int) -> StaffAccount:
    account = db.session.get(StaffAccount, user_id)
    if account is None:
        abort(404, description=f"There is no staff account {user_id}.")
    return account


@bp.get("/users")
@role_required(ADMINISTRATOR)
def users():
    accounts = db.session.scalars(select(StaffAccount).order_by(StaffAccount.active.desc(),
                                                                func.lower(StaffAccount.username))).all()
    return render_template("admin/users.html", accounts=accounts)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def new_user():
    errors: dict[str, str] = {}
    values = {"username": "", "display_name": "", "roles": set(), "email": "", "notify": "immediate"}
    if request.method == "POST":
        username = normalize_username(request.form.get("username", ""))
        if not username:
            errors["username"] = "Enter a username (what the person types to sign in)."
        elif not USERNAME_PATTERN.match(username):
            errors["username"] = ("Use up to 100 letters, digits, dots, dashes, underscores or @, starting with a "
                                  "letter or digit.")
        elif db.session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).first():
            errors["username"] = f'There is already an account "{username}"; choose another username.'
        display_name = _display_name(errors)
        roles = _chosen_roles(None, errors)
        email, notify = _email(errors), _notify(errors)
        password = _password(errors)
        values = {"username": request.form.get("username", "").strip(), "display_name": display_name,
                  "roles": roles, "email": request.form.get("email", "").strip(), "notify": notify}
        if not errors:
            account = StaffAccount(username=username, display_name=display_name, active=True, email=email,
                                   notify=notify)
            account.set_roles(roles)
            account.set_password(password)
            db.session.add(account)
            record_account_change(account, "added", None)
            db.session.commit()
            log.info("staff account %s created by staff account %s", account.id, signed_in_staff().id)
            flash(f'Account "{username}" is created. Give the password to {display_name} in person or another '
                  "safe way.", "info")
            return redirect(url_for(".user", user_id=account.id))
        flash("The account was not created: correct the fields marked below.", "error")
    return render_template("admin/user_new.html", values=values, errors=errors, role_choices=role_choices(),
                           notify_choices=NOTIFY_CHOICES,
                           min_password_length=MIN_PASSWORD_LENGTH), 400 if errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def user(user_id: int):
    account = _account_or_404(user_id)
    errors: dict[str, str] = {}
    values = _values_of(account)
    if request.method == "POST":
        display_name = _display_name(errors)
        roles = _chosen_roles(account, errors)
        email, notify = _email(errors), _notify(errors)
        values = {"display_name": display_name, "roles": roles, "email": request.form.get("email", "").strip(),
                  "notify": notify}
        if not errors and _leaves_no_administrator(account, roles=roles, active=account.active):
            errors["roles"] = LAST_ADMINISTRATOR
        if not errors:
            before = account_facts(account)
            email_changed = (account.email or "") != (email or "")
            account.display_name = display_name
            account.set_roles(roles)
            account.email, account.notify = email, notify
            record_account_change(account, "changed", before, email_changed=email_changed)
            db.session.commit()
            log.info("staff account %s changed by staff account %s", account.id, signed_in_staff().id)
            flash(f'Account "{account.username}" is saved.', "info")
            return redirect(url_for(".user", user_id=account.id))
        flash("Nothing was saved: correct the fields marked below.", "error")
    return _user_page(account, values=values, errors=errors)


def _user_page(account: StaffAccount, *, values=None, errors=None, password_errors=None, liaison=None):
    errors = errors or {}
    password_errors = password_errors or {}
    values = values or _values_of(account)
    status = 400 if errors or password_errors or (liaison or {}).get("error") else 200
    return render_template("admin/user.html", account=account, values=values, errors=errors,
                           password_errors=password_errors, role_choices=role_choices(account),
                           notify_choices=NOTIFY_CHOICES,
                           min_password_length=MIN_PASSWORD_LENGTH, is_self=account.id == signed_in_staff().id,
                           liaison=liaison or liaison_form(account)), status


@bp.post("/users/<int:user_id>/password")
@role_required(ADMINISTRATOR)
def reset_password(user_id: int):
    account = _account_or_404(user_id)
    errors: dict[str, str] = {}
    password = _password(errors)
    if errors:
        flash("The password was not changed: correct the fields marked below.", "error")
        return _user_page(account, password_errors=errors)
    account.set_password(password)          # ends every session of the account
    record_account_change(account, "password", None)
    db.session.commit()
    keep_this_session(account)
    log.info("password of staff account %s reset by staff account %s", account.id, signed_in_staff().id)
    flash(f'The password of "{account.username}" is changed. Give it to {account.display_name} in person or '
          "another safe way.", "info")
    return redirect(url_for(".user", user_id=account.id))


@bp.post("/users/<int:user_id>/liaison-departments")
@role_required(ADMINISTRATOR)
def user_liaison_departments(user_id: int):
    """The department(s) the account is an open data liaison for (web/admin/liaison_departments.py)."""
    account = _account_or_404(user_id)
    typed = request.form.get("liaison_departments", "")
    problem = save_liaison_departments(account, typed)
    if problem:
        db.session.rollback()
        flash("The departments were not saved: correct the field marked below.", "error")
        return _user_page(account, liaison=liaison_form(account, typed=typed, error=problem))
    db.session.commit()
    flash(f'The open data liaison departments of "{account.username}" are saved.', "info")
    return redirect(url_for(".user", user_id=account.id))


@bp.post("/users/<int:user_id>/deactivate")
@role_required(ADMINISTRATOR)
def deactivate_user(user_id: int):
    return _set_active(_account_or_404(user_id), False)


@bp.post("/users/<int:user_id>/reactivate")
@role_required(ADMINISTRATOR)
def reactivate_user(user_id: int):
    return _set_active(_account_or_404(user_id), True)


def _set_active(account: StaffAccount, active: bool):
    if account.active == active:
        flash(f'Account "{account.username}" is already {"active" if active else "deactivated"}.', "info")
        return redirect(url_for(".user", user_id=account.id))
    if not active and _leaves_no_administrator(account, roles=set(account.role_set), active=False):
        flash(LAST_ADMINISTRATOR, "error")
        return redirect(url_for(".user", user_id=account.id))
    before = account_facts(account)
    account.active = active
    if not active:
        account.end_sessions()              # a copied cookie stays dead after a reactivation too
    record_account_change(account, "reactivated" if active else "deactivated", before)
    db.session.commit()
    log.info("staff account %s %s by staff account %s", account.id, "reactivated" if active else "deactivated",
             signed_in_staff().id)
    if active:
        flash(f'Account "{account.username}" is active again and can sign in.', "info")
    else:
        flash(f'Account "{account.username}" is deactivated: it cannot sign in, and any session it has ends '
              "on its next request.", "info")
    return redirect(url_for(".user", user_id=account.id))
