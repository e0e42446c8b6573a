"""The `campaign` command. When `campaign serve` keeps a warm start for the command's data dir, the
command runs as a fork of it (cli.warm: nothing heavy imported here); else the whole CLI runs
in this process (cli.main)."""
from __future__ import annotations

import sys

from cli import warm
def run() -> None:
    try:
        code = warm.delegate(sys.argv[1:])
    except KeyboardInterrupt:   # Ctrl-C while the warm start was being asked
        print("campaign: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    if code is not None:
        raise SystemExit(code)
    from cli.main import run as run_here   # the whole CLI (pandas, ...): only when no warm start ran it

    run_here()


if __name__ == "__main__":
    run()
