"""The guard before a document reader parses a zip of XML (.docx for python-docx, .ofd for ofdkit):
zip bombs and DTD/entity declarations are refused, as for workbooks (transforms/grid.py)."""
from __future__ import annotations

import io
import zipfile
import zlib

from transforms.sheet import DTD_DECLARATION, MAX_PARTS

_CHUNK = 1 << 20


class DocumentError(Exception):
    def __init__(self, rule: str, message: str, value: str | None = None):
        super().__init__(message)
        self.rule, self.message, self.value = rule, message, value


def check_zip_container(data: bytes, max_uncompressed: int, required: str = "word/document.xml",
                        what: str = "Word 文档") -> None:
    """Refuse a zip bomb or an XML part with a DTD/entity declarations before a reader parses it (a
    .docx for python-docx, an .ofd for ofdkit); `required`: the part that makes it `what`."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise DocumentError("DOCUMENT_UNREADABLE", f"文件损坏或被截断（{type(exc).__name__}）") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise DocumentError("FILE_TOO_LARGE", f"压缩包内有 {len(infos)} 个部件，超过上限 {MAX_PARTS}", str(len(infos)))
        declared = sum(i.file_size for i in infos)
        if declared > max_uncompressed:
            raise DocumentError("FILE_TOO_LARGE", f"解压后 {declared} 字节，超过上限 {max_uncompressed}（疑似压缩炸弹）",
                                str(declared))
        if required.lower() not in {i.filename.lower().lstrip("/") for i in infos}:
            raise DocumentError("DOCUMENT_UNREADABLE", f"压缩包里没有 {required}，不是 {what}")
        inflated = 0
        for info in infos:
            if info.is_dir():
                continue
            xmlish = info.filename.lower().endswith((".xml", ".rels"))
            tail = b""
            try:
                with zf.open(info) as fh:
                    while chunk := fh.read(_CHUNK):
                        inflated += len(chunk)
                        if inflated > max_uncompressed:
                            raise DocumentError("FILE_TOO_LARGE", f"解压后超过 {max_uncompressed} 字节（疑似压缩炸弹，"
                                                "压缩包声明的大小不实）", str(inflated))
                        if xmlish and b"<!" in tail + chunk and DTD_DECLARATION.search(tail + chunk):
                            raise DocumentError("XML_ENTITIES", f"XML 部件 {info.filename} 含有 DTD/实体声明"
                                                f"（正常 {what}不会有），可能是恶意文件", info.filename)
                        tail = chunk[-32:]
            except DocumentError:
                raise
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError,
                    zlib.error) as exc:
                raise DocumentError("DOCUMENT_UNREADABLE", f"压缩包内 {info.filename} 已损坏（{type(exc).__name__}）") from None
