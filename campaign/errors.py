"""Errors that are the user's to fix (a bad argument, config value or SQL): the CLI prints them
as one line and exits 2, never with a traceback."""
from __future__ import annotations


class InputError(Exception):
    """A user's input mistake. The message is the whole line the user sees: name the argument,
    file, key or value and what is expected."""


class InboxMissing(InputError):
    """The inbox folder is not there (a typo, or the share is not mounted). For a campaign that
    already has a warehouse this is also a failed night, and its `runs` row says so."""
