"""Intake: scan the shared inbox and copy every received file into the content-addressed archive."""
