"""File names as the file system holds them (bytes) and as people read them (text).

A Windows or Samba share can hand the inbox names that are not UTF-8 (GBK bytes): Python sees
them with surrogate escapes, which no database, log or workbook can store. Every name is
therefore carried in two forms: its printable text (in the views, the log, receipts) and, when
it is not UTF-8, its raw bytes (kept in the warehouse table `received_names`)."""
from __future__ import annotations

import os
import unicodedata


def _printable_part(part: str) -> str:
    try:
        part.encode("utf-8")
        text = part
    except UnicodeEncodeError:
        raw = os.fsencode(part)
        try:
            text = raw.decode("gb18030")           # what a Chinese Windows share writes
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="backslashreplace")
    # control characters (a tab, a newline in a name) would break one-line logs and tables
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else f"\\x{ord(ch):02x}" for ch in text)


def printable(rel: str) -> str:
    """The printable form of a '/'-separated relative path, one component at a time (a UTF-8
    folder may hold a GBK-named file)."""
    return "/".join(_printable_part(p) for p in rel.split("/"))


def raw_bytes(rel: str) -> bytes | None:
    """The name's bytes when they are not valid UTF-8 (else None: the text is the name)."""
    try:
        rel.encode("utf-8")
        return None
    except UnicodeEncodeError:
        return os.fsencode(rel)


def bounded(text: str, max_bytes: int) -> str:
    """`text` cut (on a character boundary) to at most `max_bytes` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")
