"""Tabular input and output: import and export of the reference tables.

- :func:`mealplan.io.importing.import_table` reads CSV/XLSX/JSON files (Chinese or
  English headers) and upserts them after validating every row;
- :func:`mealplan.io.exporting.export_table` writes a table as CSV/XLSX/JSON in the same
  format;
- :data:`mealplan.io.kinds.KIND_NAMES` lists the kinds.
"""
