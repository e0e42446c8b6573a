"""An internal error (a bug of ours, never the user's mistake) is one line on the terminal; its
traceback goes to a file under <data-dir>/logs/ that the line names."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
from pathlib import Path


def write_traceback(exc: BaseException, command: str, data_dir: Path | None) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in ([Path(data_dir) / "logs"] if data_dir else []) + [Path(tempfile.gettempdir())]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"campaign-{command}-{stamp}-{os.getpid()}.log"
            path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
            return path
        except OSError:
            continue
    raise exc
