"""One engine call's write transaction.

It gives the call its ORM session (for the rare paths: deploying, start timers) and the
connection the hot path writes through, remembers the workflows the call saved so they
stay warm after a successful commit, and turns a lost race into `Conflict`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict
from engine.records import FINISHED

if TYPE_CHECKING:
    from engine.api import ProcessEngine


class Transaction:
    def __init__(self, engine: ProcessEngine):
        self.engine = engine
        self.saved: dict[int, tuple[Any, Any, Any]] = {}   # instance id -> (record, workflow, snapshot)
        self.connection: Connection
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """An ORM session inside the same transaction, made only for the calls that want one."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def __enter__(self) -> Transaction:
        if getattr(self.engine._local, "transaction", None) is not None:
            raise RuntimeError("engine calls do not nest")
        self._context = self.engine.database.write_connection()
        try:
            self.connection = self._context.__enter__()
        except OperationalError as err:
            raise as_conflict(err) from err
        self.engine._local.transaction = self
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                for write in self.engine._writes_alongside():
                    write(self.connection)
            except BaseException as refused:     # the caller's own write refused the commit: roll back
                self._finish(type(refused), refused, refused.__traceback__)
                raise
        return self._finish(exc_type, exc, tb)

    def _finish(self, exc_type, exc, tb):
        self.engine._local.transaction = None
        warm = self.engine._warm
        try:
            if self._session is not None:
                if exc_type is None:
                    self._session.flush()
                self._session.close()
            self._context.__exit__(exc_type, exc, tb)
        except (StaleDataError, OperationalError) as err:
            self._forget(warm)
            raise as_conflict(err) from err
        if exc_type is not None:
            self._forget(warm)
            if issubclass(exc_type, (StaleDataError, OperationalError)):
                raise as_conflict(exc) from exc
            return False
        for instance_id, (record, workflow, snapshot) in self.saved.items():
            if record.status in FINISHED:
                warm.forget(instance_id)
            else:
                warm.keep(instance_id, record.lock_version, workflow, snapshot)
        return False

    def _forget(self, warm) -> None:
        for instance_id in self.saved:
            warm.forget(instance_id)


def as_conflict(err: Exception) -> Exception:
    if isinstance(err, StaleDataError):
        return Conflict("Someone else changed this instance at the same moment; reload and try again.")
    text = str(err).lower()
    if any(word in text for word in ("locked", "could not serialize", "deadlock", "busy")):
        return Conflict("The database is busy with another change to the same work; try again in a moment.")
    return err
