"""The publish stage: the city's summary workbook and the per-file receipts for units.

Pure builders (frames in, workbook / HTML out) plus atomic file writes; the data comes from
warehouse.queries, never from SQL issued here."""
