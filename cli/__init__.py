"""The front door: the `campaign` command, its arguments and handlers, serve, the warm start, the demo."""
