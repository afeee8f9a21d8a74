"""Task page: each letter the request has sent, as PDF with the city's letterhead (issue 5, "Letters and mail").

Whoever may see the task may download its request's letters (`web.visible_task`: the task is work
for one of their roles, theirs, or they administer).
"""
from __future__ import annotations

from flask import abort, current_app, make_response

from city.rules.business_calendar import CITY_TIME_ZONE
from web.current import process_engine
from web.inbox.assignment import visible_task
from web.auth import staff_only
from web.inbox.blueprint import bp
from web.inbox.history import history, latest_values
from web.letter_pdf import file_name, letterhead_from, render_letter_pdf


@bp.get("/tasks/<int:task_id>/letters/<int:number>.pdf")
@staff_only
def letter_pdf(task_id: int, number: int):
    task = visible_task(task_id)
    trail = process_engine().audit_trail(task.instance_id)
    _entries, letters = history(trail)
    if not 1 <= number <= len(letters):
        abort(404, description="This request has no such letter.")
    chosen = letters[number - 1]
    office = latest_values(trail, {"office_name"}).get("office_name")
    document = render_letter_pdf({"letter": chosen.letter, "subject": chosen.subject, "text": chosen.text},
                                 letterhead=letterhead_from(current_app.config, office if isinstance(office, str) else None),
                                 dated=chosen.at.astimezone(CITY_TIME_ZONE).date(), reference=task.business_key)
    response = make_response(document)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(task.business_key, number, chosen.letter)}"')
    return response
