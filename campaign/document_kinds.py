"""The documents a unit owes besides the forms (notice 六（四）): their kinds, the file types read
as documents, and the default reading limits (the config's [documents] section may override each).

The domain's words, shared by the reader (transforms/documents.py), the obligations and the CLI."""
from __future__ import annotations

PLAN, UPDATE, SUMMARY, OTHER = "实施方案", "工作动态信息", "总结报告", "其他"
KINDS = (PLAN, UPDATE, SUMMARY, OTHER)
EXTENSIONS = (".docx", ".doc", ".wps", ".pdf", ".ofd", ".txt")

# Reading limits; the config file's [documents] section may override each.
DEFAULT_LIMITS = {
    "max_file_bytes": 20_000_000,          # larger files are not opened (their name still classifies them)
    "max_uncompressed_bytes": 50_000_000,  # a .docx / .ofd inflating past this is a zip bomb
    "max_pdf_pages": 300,                  # a longer PDF or OFD is not read (a 工作动态信息 has a few pages)
    "read_pages": 3,                       # pages read for the heading; the 落款 is on the last page
    "max_text_chars": 200_000,             # text kept for the heading and the date
}
