"""The words of each mail: letters to requesters, a new status link, task notices and the daily digest.

A letter mail carries the letter's text as the process kept it (the city's template, filled in);
the rest is the clerk's office speaking plainly. Subjects are one line (a line break in a header
would let text pose as another header).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from web.formatting import when

NO_REPLY = ("Please do not reply to this e-mail. For help with your request, call or visit the City Clerk's "
            "office and give your tracking number.")


def one_line(text: str, limit: int = 250) -> str:
    return " ".join(str(text).split())[:limit]


def letter_mail(tracking_number: str, subject: str, text: str, about: str = "records request") -> tuple[str, str]:
    """A letter of the request (or of the case `about` names), as the requester reads it in their mail."""
    subject = one_line(subject) or f"A letter about your {about}"
    if tracking_number not in subject:
        subject = f"{subject} ({tracking_number})"
    body = (f"{text.rstrip()}\n\n-- \nThis is a letter about your {about} {tracking_number}. Every letter "
            f"is also on your private status page.\n{NO_REPLY}\n")
    return subject, body


def link_paragraph(link: str) -> str:
    """Put before a mail's text when the mail carries the private status link (and only then)."""
    return (f"Your private status link:\n{link}\n\nKeep this e-mail. Anyone with the link can read your request, "
            "so do not share it. We send the link only in this e-mail.\n\n")


def new_link_mail(tracking_number: str, about: str = "records request") -> tuple[str, str]:
    subject = f"A new status link for your {about} {tracking_number}"
    body = (f"We were asked for a new link to the status page of {about} {tracking_number}. The link above "
            "replaces the old one, which no longer works.\n\nIf you did not ask for it, you need do nothing: the "
            f"new link was sent only to you.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def receipt_mail(tracking_number: str) -> tuple[str, str]:
    """The first mail when the acknowledgement letter is not ready at once: just the link."""
    subject = f"Your records request {tracking_number}"
    body = (f"We received your records request {tracking_number}. Our letters about it will follow by e-mail and "
            f"are also on your private status page.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def privacy_receipt_mail(tracking_number: str) -> tuple[str, str]:
    """The first mail of a data privacy complaint: its tracking number; the private link travels beside it."""
    subject = f"Your data privacy complaint {tracking_number}"
    body = (f"We received your data privacy complaint {tracking_number}. The decision on it will follow by e-mail "
            f"and is also on your private status page.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def takedown_receipt_mail(tracking_number: str, dataset_title: str) -> tuple[str, str]:
    """The first mail of a report on a published data set: its tracking number; the private link travels beside it."""
    subject = f"Your report on the data set {one_line(dataset_title)} ({tracking_number})"
    body = (f"We received your report {tracking_number} on the data set \"{one_line(dataset_title)}\". The Records "
            "Manager will correct the data set, remove it, or explain why it stays as it is; the outcome will follow "
            f"by e-mail and is also on your private status page.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def records_provided_mail(tracking_number: str, provided_on: str, released: int = 0) -> tuple[str, str]:
    """The records were provided; `released` of them online, to download from the status page."""
    subject = f"The records of your request {tracking_number} were provided"
    when = f" on {provided_on}" if provided_on else ""
    online = (f"\n\nWe released {released} record{'s' if released != 1 else ''} to you online: download "
              f"{'them' if released != 1 else 'it'} from your private status page, with the link we sent you "
              "when you filed the request. Only someone holding that link can download them."
              if released else "")
    body = (f"The records you asked for in request {tracking_number} were provided{when}.{online}\n\nYour private "
            f"status page shows the request and any balance still due.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def question_mail(tracking_number: str, question: str, lost_link: str) -> tuple[str, str]:
    """The office asks the requester a question; the answer goes on the status page, not by reply."""
    subject = f"A question about your records request {tracking_number}"
    body = (f"The office working on your records request {tracking_number} asks:\n\n{question.rstrip()}\n\n"
            "Please answer on your private status page, with the link we sent you when you filed the request. "
            f"Lost the link? Ask for a new one at {lost_link}\n\nThe deadline for acting on your request keeps "
            f"running while we wait for your answer.\n\n-- \n{NO_REPLY}\n")
    return subject, body


def city_moment(moment: datetime | None) -> str:
    return when(moment)


def task_line(task) -> str:
    request = " ".join(part for part in (task.business_key or "", task.instance_title or "") if part)
    due = f", due {city_moment(task.due_at)}" if task.due_at else ""
    return f"{task.title}{' (' + request + ')' if request else ''}{due}"


def task_mail(task, link: str, preferences_link: str) -> tuple[str, str]:
    """One new task in one of the person's roles."""
    subject = one_line(f"New task: {task.title}" + (f" ({task.business_key})" if task.business_key else ""))
    role = f" for the role {task.candidate_role}" if task.candidate_role else ""
    body = (f"A new task is in your inbox{role}:\n\n  {task_line(task)}\n\nOpen it: {link}\n\n-- \nYou get one e-mail "
            f"for each new task because your notification preference is \"immediately\". Change it at "
            f"{preferences_link}\n")
    return subject, body


def digest_mail(day: date, tasks: Sequence, total: int, links: Sequence[str], inbox_link: str,
                preferences_link: str) -> tuple[str, str]:
    """The day's list of a person's open tasks (those of their roles and those they claimed)."""
    subject = f"Your open tasks on {day:%A %-d %B %Y}: {total}"
    lines = [f"- {task_line(task)}\n  {link}" for task, link in zip(tasks, links)]
    more = f"\n...and {total - len(tasks)} more in your inbox." if total > len(tasks) else ""
    body = (f"Your open tasks this morning ({total}):\n\n" + "\n".join(lines) + more
            + f"\n\nYour inbox: {inbox_link}\n\n-- \nYou get this list once a day because your notification "
              f"preference is \"once a day\". Change it at {preferences_link}\n")
    return subject, body
