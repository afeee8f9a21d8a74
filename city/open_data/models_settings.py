"""The city's open data settings: one row (`open_data_setting`, id 1) read by `city.open_data.settings`.

Where the two cities' texts differ (002), the difference is a setting: who approves data sets and decides reports on
published data (Sacramento's Records Manager or KCMO's Open Data Officer), who catalogues and publishes an approved
data set (Sacramento's IT Open Data Coordinator or KCMO's Open Data Officer), and the catalog's DCAT-US publisher
name, bureauCode and programCode. No row: the defaults (`city.open_data.settings.DEFAULT_SETTINGS`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

OPEN_DATA_SETTING_ROW = 1


class OpenDataSetting(Base):
    __tablename__ = "open_data_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    approver_role: Mapped[str] = mapped_column(String(40))
    publisher_role: Mapped[str] = mapped_column(String(40))
    publisher_name: Mapped[str] = mapped_column(String(200), default="")   # "": each data set's own (its department)
    bureau_code: Mapped[str] = mapped_column(String(10), default="")       # "": the non-federal placeholder
    program_code: Mapped[str] = mapped_column(String(10), default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
