"""Open data (002: Kansas City Ordinance 140443, Sacramento's Open Data policy): the review and approval of
data sets, the published catalog and its files. Imports nothing, like `city/__init__.py`."""
