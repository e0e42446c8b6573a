"""Reading an OFD document (GB/T 33190, the fixed-layout format offices use beside PDF): its text
lines and page count, for the title, the kind and the date (transforms/documents.py).

An .ofd is a zip of XML (OFD.xml -> Doc_0/Document.xml -> Pages/Page_N/Content.xml, the text in
<ofd:TextCode>). It is read by ofdkit (PyPI, standard library only: no dependencies), which puts
the text runs in reading order; before ofdkit sees it the container passes the checks a .docx
passes (zip bomb, DTD/entity declarations: documents.check_zip_container), and a document longer
than the page limit is not read. Pure: bytes in, lines out; every failure is a DocumentError."""
from __future__ import annotations

from transforms.doc_container import DocumentError, check_zip_container


def ofd_text(data: bytes, limits: dict) -> tuple[list[str], int]:
    """The text lines of the first pages and the last page (the 落款), and the page count."""
    import ofdkit
    from ofdkit.errors import OFDError, OFDLimitError

    check_zip_container(data, int(limits["max_uncompressed_bytes"]), "OFD.xml", "OFD 文档")
    try:
        with ofdkit.open(data) as document:
            pages = len(document.pages)
            if pages > int(limits["max_pdf_pages"]):
                raise DocumentError("DOCUMENT_TOO_LONG", f"OFD 有 {pages} 页，超过可读取的 {limits['max_pdf_pages']} 页",
                                    str(pages))
            if pages == 0:
                raise DocumentError("DOCUMENT_UNREADABLE", "OFD 文档没有页面")
            wanted = list(range(min(pages, int(limits["read_pages"]))))
            if pages - 1 not in wanted:
                wanted.append(pages - 1)
            lines, size = [], 0
            for i in wanted:
                for line in document.pages[i].text().splitlines():
                    if line.strip() and size < int(limits["max_text_chars"]):
                        lines.append(line.strip())
                        size += len(line)
            return lines, pages
    except DocumentError:
        raise
    except OFDLimitError as exc:   # ofdkit's own limits (a DTD, a part past 64 MB, 50,000 parts)
        if "DTD" in str(exc) or "entit" in str(exc):
            raise DocumentError("XML_ENTITIES", "OFD 的 XML 部件含有 DTD/实体声明（正常 OFD 文档不会有），可能是恶意文件"
                                ) from None
        raise DocumentError("FILE_TOO_LARGE", "OFD 文档超过读取上限（部件过大或过多）") from None
    except OFDError as exc:
        raise DocumentError("DOCUMENT_UNREADABLE", f"OFD 文档损坏，无法读取（{_reason(exc)}）") from None
    except (ValueError, KeyError, IndexError, RecursionError, UnicodeError, OSError) as exc:
        raise DocumentError("DOCUMENT_UNREADABLE", f"OFD 文档损坏，无法读取（{type(exc).__name__}）") from None


_REASONS = (("missing part", "缺少文档部件"), ("not found", "缺少文档部件"), ("invalid XML", "XML 内容有误"),
            ("cannot decode", "文字编码有误"), ("not a ZIP", "不是 zip 容器"), ("OFD.xml", "缺少 OFD.xml"),
            ("cannot read", "部件已损坏"), ("DocBody", "缺少文档主体"))


def _reason(exc: Exception) -> str:
    """ofdkit's reason in words a clerk reads (Chinese): what is wrong with the file."""
    text = str(exc)
    return next((zh for en, zh in _REASONS if en in text), "结构不符合 OFD 标准")
