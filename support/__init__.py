"""Plumbing with no domain in it: processes, runtime defaults, text width, the run context."""
