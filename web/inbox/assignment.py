"""Inbox: delegating and reassigning tasks, follow-up dates, saved filters (issue 5, "Staff inbox").

Who may hand a task on: the person who claimed it may delegate it to another active member of
staff who may work it (holds its candidate role, counting the `custodian:<office>` roles the
city's register designates: `web.work_roles`); a supervisor may reassign any open task to any
such person, or put it back in the shared inbox. The engine enforces the task's side (open,
claimed by whom, the new assignee's role); this module finds the people who may be given it.

Who may claim a task (issue 13): whoever may work it (`claim_refused`: it is work for one of their work
roles, or for no role), supervisors included; a supervisor who sees everyone's tasks assigns the rest
from the task page instead. The inbox's Claim buttons, its claim endpoint and the API's claim all ask
`claim_refused`, so no button is offered that its endpoint refuses.

Follow-up dates and saved filters are a person's own: every query here is by the signed-in
account, so nobody sees or changes another's.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from city.rules.business_calendar import city_day
from engine import ClerkflowError, Conflict, NotAllowed, TaskView, clock
from web.current import process_engine, signed_in_staff, work_roles
from web.auth import staff_only
from web.inbox.blueprint import bp
from web.inbox.filters import InboxFilter
from city.rules.roles import CITY_CLERK, RECORDS_MANAGER
from web.access import ADMINISTRATOR
from web.models import StaffAccount, db, normalize_username
from web.models_inbox import SAVED_FILTER_NAME_LENGTH, FollowUp, SavedFilter

# Who may reassign any open task and see every task page: they answer for the office's work.
SUPERVISOR_ROLES = frozenset({ADMINISTRATOR, CITY_CLERK, RECORDS_MANAGER})
MAX_SAVED_FILTERS = 30     # the links sit above the inbox: a short list stays usable on a phone
SHARED_INBOX = "*"         # the assignee choice that puts a task back in the shared inbox (never a username)


def is_supervisor(staff: StaffAccount | None) -> bool:
    return staff is not None and bool(staff.role_set & SUPERVISOR_ROLES)


# ----------------------------------------------------------------------------- claiming and giving back

def claim_refused(task: TaskView, roles: Collection[str], username: str) -> ClerkflowError | None:
    """Why `username`, working under `roles` (their `work_roles`), may not claim `task`; None when they may.

    The one rule of claiming, asked by every Claim button and every claim endpoint; the engine checks
    the same again under the instance's lock (a claim made meanwhile is refused there)."""
    if task.status != "open":
        return Conflict(f'"{task.title}" was already {task.status}; there is nothing left to claim.')
    if task.candidate_role and task.candidate_role not in roles:
        return NotAllowed(f'"{task.title}" is work for the {task.candidate_role} role, which you do not hold; '
                          "a supervisor can assign it to someone who does.")
    if task.assignee and task.assignee != username:
        return Conflict(f'"{task.title}" is already claimed by {task.assignee}.')
    return None


def may_claim(task: TaskView, roles: Collection[str], username: str) -> bool:
    """Whether to offer Claim on `task`: nobody has claimed it and `claim_refused` has nothing against it."""
    return not task.assignee and claim_refused(task, roles, username) is None


def may_unclaim(task: TaskView, staff: StaffAccount) -> bool:
    """Whether to offer Unclaim: the task is open and claimed, by the person or, when they supervise, by anyone."""
    return task.status == "open" and bool(task.assignee) and (task.assignee == staff.username
                                                              or is_supervisor(staff))


def claim_as_signed_in(task_id: int) -> TaskView:
    """Claim the task for the signed-in person, if `claim_refused` lets them; else raise its refusal."""
    staff = signed_in_staff()
    roles = work_roles(staff)
    engine = process_engine()
    refused = claim_refused(engine.get_task(task_id), roles, staff.username)
    if refused is not None:
        raise refused
    return engine.claim_task(task_id, actor=staff.username, roles=set(roles))


def unclaim_as_signed_in(task_id: int) -> TaskView:
    """Give the task back to the shared inbox as the signed-in person (their claim, or any when they supervise)."""
    staff = signed_in_staff()
    engine = process_engine()
    # Giving back a claim one may give back needs no role: a supervisor releases claims on any office's
    # work, and a claimant whose role was taken away since must still be able to let the task go.
    roles = None if may_unclaim(engine.get_task(task_id), staff) else set(work_roles(staff))
    return engine.unclaim_task(task_id, actor=staff.username, roles=roles, administrator=is_supervisor(staff))


# ----------------------------------------------------------------------------- delegating and reassigning

@dataclass(frozen=True)
class AssignmentChoices:
    """What the task page offers the signed-in person about who works a task."""

    can_claim: bool                         # `may_claim`
    can_unclaim: bool                       # `may_unclaim`
    can_delegate: bool                      # they claimed it
    can_reassign: bool                      # they supervise
    people: tuple[tuple[str, str], ...]     # (username, display name) who may be given it
    follow_up_on: date | None               # their own follow-up date, if set


def eligible_staff(task: TaskView) -> list[StaffAccount]:
    """Active staff who may work `task` (hold its candidate role; anyone when it names none), by name."""
    accounts = db.session.scalars(select(StaffAccount).where(StaffAccount.active.is_(True))
                                  .order_by(StaffAccount.display_name, StaffAccount.username))
    return [account for account in accounts
            if task.candidate_role is None or task.candidate_role in work_roles(account)]


def assignment_choices(task: TaskView) -> AssignmentChoices:
    """For the task page (`inbox/_task_assignment.html`): may the person hand it on, and to whom."""
    staff = signed_in_staff()
    can_delegate = task.status == "open" and task.assignee == staff.username
    can_reassign = task.status == "open" and is_supervisor(staff)
    people: tuple[tuple[str, str], ...] = ()
    if can_delegate or can_reassign:
        people = tuple((account.username, account.display_name) for account in eligible_staff(task)
                       if account.username != task.assignee)
    return AssignmentChoices(may_claim(task, work_roles(staff), staff.username), may_unclaim(task, staff),
                             can_delegate, can_reassign, people,
                             follow_ups_on(staff.id, [task.task_id]).get(task.task_id))


@bp.app_context_processor
def assignment_helpers():
    return {"task_assignment": assignment_choices, "is_supervisor": is_supervisor, "SHARED_INBOX": SHARED_INBOX,
            "may_claim": may_claim, "may_unclaim": may_unclaim}


class AssigneeRefused(ValueError):
    """The person named cannot be given the task; the message says why."""


def eligible_assignee(task: TaskView, username: str) -> StaffAccount:
    """The active account `username` names, if it may be given `task`; else `AssigneeRefused`."""
    account = db.session.scalars(select(StaffAccount).where(StaffAccount.username == normalize_username(username),
                                                            StaffAccount.active.is_(True))).first()
    if account is None:
        raise AssigneeRefused(f'There is no active staff account "{username[:100]}"; choose someone who may '
                              "work the task.")
    if task.candidate_role and task.candidate_role not in work_roles(account):
        raise AssigneeRefused(f'{account.display_name} cannot be given "{task.title}": it is work for the '
                              f"{task.candidate_role} role, which they do not hold.")
    return account


def hand_on(task: TaskView, account: StaffAccount | None) -> TaskView:
    """Give `task` to `account` (None: the shared inbox) as the signed-in person: delegate or reassign."""
    staff = signed_in_staff()
    return process_engine().assign_task(
        task.task_id, account.username if account is not None else None, actor=staff.username,
        roles=set(work_roles(staff)), supervisor=is_supervisor(staff),
        assignee_roles=set(work_roles(account)) if account is not None else None)


@bp.post("/tasks/<int:task_id>/assign")
@staff_only
def assign(task_id: int):
    staff = signed_in_staff()
    task = visible_task(task_id)
    page = url_for(".task", task_id=task_id)
    username = request.form.get("assignee", "").strip()
    supervisor = is_supervisor(staff)
    if not username or (username == SHARED_INBOX and not supervisor):
        flash("Choose who should work the task. To give it back to the shared inbox, use Unclaim.", "error")
        return redirect(page)
    account = None
    if username != SHARED_INBOX:
        try:
            account = eligible_assignee(task, username)
        except AssigneeRefused as refused:
            flash(str(refused), "error")
            return redirect(page)
    changed = hand_on(task, account)
    if account is None:
        flash(f'"{changed.title}" is back in the shared inbox.', "info")
    else:
        flash(f'"{changed.title}" is now {account.display_name}\'s ({account.username}).', "info")
    return redirect(page if supervisor or changed.assignee == staff.username else url_for(".index"))


# ----------------------------------------------------------------------------- follow-up dates

def follow_ups_on(account_id: int, task_ids) -> dict[int, date]:
    """The person's follow-up date of each of these tasks that has one."""
    task_ids = sorted(set(task_ids))
    if not task_ids:
        return {}
    return dict(db.session.execute(select(FollowUp.task_id, FollowUp.follow_up_on).where(
        FollowUp.account_id == account_id, FollowUp.task_id.in_(task_ids))).all())


def follow_ups_due(account_id: int, today: date) -> list[int]:
    """The tasks whose follow-up date the person set for today or earlier."""
    return list(db.session.scalars(select(FollowUp.task_id).where(FollowUp.account_id == account_id,
                                                                  FollowUp.follow_up_on <= today)))


@bp.post("/tasks/<int:task_id>/follow-up")
@staff_only
def follow_up(task_id: int):
    staff = signed_in_staff()
    task = visible_task(task_id)
    page = url_for(".task", task_id=task_id)
    existing = db.session.scalars(select(FollowUp).where(FollowUp.account_id == staff.id,
                                                         FollowUp.task_id == task_id)).first()
    if request.form.get("clear"):
        if existing is not None:
            db.session.delete(existing)
            db.session.commit()
        flash(f'No follow-up date on "{task.title}" now.', "info")
        return redirect(page)
    if task.status != "open":
        flash(f'"{task.title}" is {task.status}; a follow-up date is only for open tasks.', "error")
        return redirect(page)
    chosen, problem = _follow_up_date(request.form.get("follow_up_on", ""))
    if problem:
        flash(problem, "error")
        return redirect(page)
    if existing is None:
        db.session.add(FollowUp(account_id=staff.id, task_id=task_id, follow_up_on=chosen))
    else:
        existing.follow_up_on, existing.set_at = chosen, clock.now()
    try:
        db.session.commit()
    except IntegrityError:      # the same person set it twice at once (two tabs): the first one stands
        db.session.rollback()
    flash(f'You will see "{task.title}" under "Follow-up due" from {chosen.isoformat()}.', "info")
    return redirect(page)


def _follow_up_date(raw: str) -> tuple[date | None, str | None]:
    raw = raw.strip()
    if not raw:
        return None, "Choose a follow-up date (or press Clear to remove yours)."
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        return None, f'"{raw[:20]}" is not a date; give it as year-month-day, for example 2026-12-01.'
    today = city_day(clock.now())
    if chosen < today:
        return None, f"A follow-up date cannot be in the past (today is {today.isoformat()} in city time)."
    if chosen.year > today.year + 5:
        return None, "A follow-up date must be within five years."
    return chosen, None


# ----------------------------------------------------------------------------- saved filters

def saved_filters(account_id: int) -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.account_id == account_id)
                                   .order_by(func.lower(SavedFilter.name))))


@bp.post("/saved-filters")
@staff_only
def save_filter():
    staff = signed_in_staff()
    chosen = InboxFilter.from_query_string(request.form.get("query", ""))
    back = url_for(".index", **chosen.args(page=1))
    name = " ".join(request.form.get("name", "").split())
    query = chosen.query_string()
    problem = None
    if not name:
        problem = 'Name the filter to save it (for example "Police, overdue").'
    elif len(name) > SAVED_FILTER_NAME_LENGTH:
        problem = f"A filter's name can be at most {SAVED_FILTER_NAME_LENGTH} characters."
    elif not query:
        problem = "Choose some filters first: the whole inbox needs no saved filter."
    if problem:
        flash(problem, "error")
        return redirect(back)
    mine = saved_filters(staff.id)
    same_name = next((saved for saved in mine if saved.name.lower() == name.lower()), None)
    if same_name is not None:
        same_name.name, same_name.query = name, query     # saving under a name again updates it
    elif len(mine) >= MAX_SAVED_FILTERS:
        flash(f"You have {MAX_SAVED_FILTERS} saved filters, the most there can be; delete one first.", "error")
        return redirect(back)
    else:
        db.session.add(SavedFilter(account_id=staff.id, name=name, query=query))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(f'A filter named "{name}" was just saved from another page; reload to see it.', "error")
        return redirect(back)
    flash(f'Saved the filter "{name}".', "info")
    return redirect(back)


@bp.post("/saved-filters/<int:filter_id>/delete")
@staff_only
def delete_filter(filter_id: int):
    staff = signed_in_staff()
    removed = db.session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                           SavedFilter.account_id == staff.id))
    if removed.rowcount != 1:
        db.session.rollback()
        abort(404, description="There is no such saved filter of yours; it may have been deleted already.")
    db.session.commit()
    flash("The saved filter is deleted.", "info")
    return redirect(url_for(".index"))


def visible_task(task_id: int):
    """The task, if it is work for one of the signed-in person's roles, theirs, or they supervise
    (`SUPERVISOR_ROLES`, administrators among them)."""
    staff = signed_in_staff()
    task = process_engine().get_task(task_id)
    if (task.candidate_role is None or task.candidate_role in work_roles(staff) or task.assignee == staff.username
            or is_supervisor(staff)):
        return task
    raise NotAllowed(f'"{task.title}" is work for the {task.candidate_role} role.')
