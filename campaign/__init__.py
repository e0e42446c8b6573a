"""Shared definitions of the campaign pipeline: configuration, the three forms, runtime defaults, CLI."""
