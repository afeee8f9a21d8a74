"""The records office's performance data set refreshed by the scheduler (issue 16: "refreshed by a timer").

A periodic job of the `scheduler` command (`engine.scheduler.PeriodicJob`, as the mail round is): once a day,
and at once when the scheduler starts, the figures are counted again and, when they changed, published as a
new version of the data set (`city.open_data.performance.refresh_performance_dataset`). Only a data set that
is in the catalog already is refreshed: it entered through the data set approval or was vetted.
"""
from __future__ import annotations

import logging

from flask import Flask

from city.open_data.performance import PERFORMANCE_SLUG, refresh_performance_dataset
from engine import clock

REFRESH_EVERY_SECONDS = 24 * 60 * 60
log = logging.getLogger("clerkflow.open_data")


def refresh_performance(app: Flask) -> int | None:
    """One refresh in `app`'s database and file store: the new version, or None when nothing changed."""
    from web.current import city_data
    from web.filestore import file_store
    from web.models import db

    with app.app_context():
        version = refresh_performance_dataset(db.session.connection(), file_store(), now=clock.now(),
                                              city_closures=city_data()()["city_closures"])
        db.session.commit()
    if version is not None:
        log.info("open data: %s refreshed, version %d", PERFORMANCE_SLUG, version)
    return version


def performance_refresh_job(console):
    """The scheduler's daily refresh of the performance data set, in a web app of its own."""
    from engine.scheduler import PeriodicJob
    from web import create_app

    app = create_app({"DATABASE_URL": console.url})
    return PeriodicJob("open data performance", REFRESH_EVERY_SECONDS, lambda: refresh_performance(app))
