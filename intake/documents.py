"""Which received files are documents (not workbooks), and reading one from the archive.

Documents (.docx .doc .wps .pdf .ofd .txt by default: config [documents] extensions) go to the
documents stage instead of the workbook parser: they are submissions, never rejected for their
format. No Prefect import here: the reader runs in a worker process (flows/documents.py)."""
from __future__ import annotations

from pathlib import Path

from transforms.documents import read_document


def is_document(file_name: str, extensions: tuple[str, ...]) -> bool:
    return "." in file_name and ("." + file_name.rsplit(".", 1)[-1].lower()) in extensions


def read_archived(path: str, file_name: str, limits: dict):
    """Read, classify and date an archived document (transforms.documents.read_document)."""
    return read_document(Path(path).read_bytes(), file_name, limits)
