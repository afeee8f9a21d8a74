"""Mail (issue 5, "Letters and mail"): letters to requesters and task notices to staff, through an outbox.

Nothing here writes to the engine. `dispatch` reads the audit trail and the open tasks after a
stored cursor and queues one outbox row per mail and recipient; `sending` delivers the rows that
are due over SMTP, retrying with backoff. `run_mail` does both once (the scheduler calls it every
30 seconds; `clerkflow mail send` calls it by hand). docs/mail.md says what goes to whom.
"""
from web.mail.outbox import queue, valid_email_address
from web.mail.runner import MailRun, run_mail
from web.mail.settings import MailSettings, MailSettingsInvalid

__all__ = ["MailRun", "MailSettings", "MailSettingsInvalid", "queue", "run_mail", "valid_email_address"]
