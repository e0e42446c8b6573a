"""The archive: every received file copied once, named by the sha256 of its bytes.

The inbox is never modified; everything downstream reads the archive copy."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def archive_name(sha: str, suffix: str) -> str:
    """Relative path inside the data dir. The suffix is kept (lower-cased, sanitised) for humans only."""
    ext = "".join(ch for ch in suffix.lower() if ch.isalnum() or ch == ".")[:10]
    return f"archive/{sha[:2]}/{sha}{ext}"


def archive_file(path: Path, data_dir: Path) -> tuple[str, str]:
    """Copy `path` into the archive (once per content); return (sha256, archive path relative to data_dir).

    The bytes are hashed while copied to a temporary file, then renamed into place, so a crash
    never leaves a half-written archive entry under a valid name."""
    tmp_dir = Path(data_dir) / "archive" / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = h.hexdigest()
        rel = archive_name(sha, Path(path).suffix)
        target = Path(data_dir) / rel
        if target.exists():
            os.unlink(tmp)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            os.chmod(target, 0o444)
        return sha, rel
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
