"""What a unit is asked to do with a file the pipeline does not take (UNSUPPORTED_FORMAT), by what
the file is: one place for the request, used by the verdict (transforms/submission.py) and by
what the clerk reads (publish/words.py: receipts, marked copies, the problem sheet).

- an archive (.zip .rar .7z …): it is not opened, so nothing in it was received: send the files
  themselves, unpacked, each on its own into the unit's folder (forms as .xlsx, documents as
  .docx/.pdf/.ofd) — never "resave as .xlsx": it may hold Word documents only;
- a spreadsheet in another format (.et .csv .numbers …, and [intake] legacy_extensions):
  resave as .xlsx;
- a document in another format (.rtf .odt .pages, a web page, a picture of a scan): resave as
  .docx or .pdf;
- anything else: forms as .xlsx, documents as .docx or .pdf.
"""
from __future__ import annotations

ARCHIVES = (".zip", ".zipx", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".z",
            ".cab", ".arj", ".lzh", ".lha", ".iso", ".001")
SPREADSHEETS = (".et", ".ett", ".csv", ".tsv", ".numbers", ".xlsb", ".xlt", ".xltx", ".xltm", ".xlam", ".dbf",
                ".wk1", ".wks", ".fods", ".ots")
DOCUMENTS = (".rtf", ".odt", ".ott", ".fodt", ".wpt", ".dot", ".dotx", ".dotm", ".docm", ".pages", ".xps", ".oxps",
             ".ceb", ".cebx", ".htm", ".html", ".mht", ".mhtml", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp",
             ".gif", ".heic", ".webp")

# (kind, what to do in Chinese, the same in English for ops)
_ASK = {
    "archive": ("请不要打包压缩：把压缩包解压，把里面的每个文件（报表为 .xlsx，实施方案、工作动态信息、总结报告等材料为 "
                ".docx、.pdf 或 .ofd）分别直接放入本单位文件夹后重新报送",
                "unpack the archive and send each file on its own into the unit's folder (forms .xlsx, documents "
                ".docx/.pdf/.ofd)"),
    "spreadsheet": ("请用 Excel 或 WPS 另存为 .xlsx 后重新报送", "resave as .xlsx"),
    "document": ("如是实施方案、工作动态信息或总结报告等材料，请用 Word 或 WPS 另存为 .docx 或 .pdf 后重新报送；"
                 "如是报表，请另存为 .xlsx 后重新报送",
                 "resave a document as .docx or .pdf (a form as .xlsx)"),
    "other": ("报表请用 Excel 或 WPS 另存为 .xlsx，材料请另存为 .docx 或 .pdf，再重新报送",
              "resave a form as .xlsx, a document as .docx or .pdf"),
}


def kind_of(suffix: str, legacy: tuple[str, ...] | list[str] = ()) -> str:
    """archive | spreadsheet | document | other, by the file's extension ('.zip')."""
    suffix = (suffix or "").lower()
    if suffix in ARCHIVES:
        return "archive"
    if suffix in SPREADSHEETS:
        return "spreadsheet"
    if suffix in DOCUMENTS:
        return "document"
    return "spreadsheet" if suffix in tuple(legacy) else "other"


def request(suffix: str, legacy: tuple[str, ...] | list[str] = ()) -> tuple[str, str]:
    """(Chinese, English) of what the unit is asked to do with a file of this extension."""
    return _ASK[kind_of(suffix, legacy)]


def unsupported_message(suffix: str, accepted: list[str] | tuple[str, ...], legacy=()) -> str:
    """The stored message of UNSUPPORTED_FORMAT: what the file is, what to do (Chinese, then English)."""
    kind = kind_of(suffix, legacy)
    zh, en = _ASK[kind]
    if kind == "archive":   # short: the receipt's 应当怎样 gives the whole request (request())
        what, zh = f"压缩包（{suffix}）不予拆包读取，里面的文件都没有收到", "请解压后把里面的每个文件分别直接放入本单位文件夹重新报送"
    else:
        what = f"不受理 {suffix or '无扩展名'} 文件"
    takes = " / ".join(accepted)
    return f"{what}：{zh}。 Not taken ({suffix or 'no extension'}): workbooks {takes}, documents .docx/.pdf/.ofd; {en}."
