"""Every module of the web app's tables, imported together so that whoever needs the whole schema (the app,
the migrations, the tests) names them in one place: staff accounts, the portal's requests and links, API
tokens, inbox follow-ups and saved filters, comments and attachments, the mail outbox, the requester's
correspondence and downloads."""
from web import models, models_api, models_correspondence, models_forms, models_inbox, models_mail, models_notes, models_portal

TABLE_MODULES = (models, models_api, models_correspondence, models_forms, models_inbox, models_mail, models_notes,
                 models_portal)
