"""The modeler (analysts and administrators): open a deployed diagram in bpmn-js, edit, validate, deploy a
new version, compare versions, download; view and edit forms with a live preview; open, edit and deploy
the DMN decision tables deployed with a diagram."""
from web.modeler.blueprint import bp
from web.modeler import decisions, new_process, spiffarena, views  # noqa: F401  (their routes)

__all__ = ["bp"]
