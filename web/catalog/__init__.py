"""The open data catalog for the public (issue 16): every published data set, its files, a preview, the Terms
of Use, `/data.json` (DCAT-US 1.1), schema.org JSON-LD and a Frictionless `datapackage.json` per data set; and
the form that reports a data set as inaccurate, misleading or protected (`web.catalog.report`)."""
from web.catalog.blueprint import bp
from web.catalog import report, views  # noqa: F401  (their routes)

__all__ = ["bp"]
