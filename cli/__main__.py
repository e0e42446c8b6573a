"""`python -m cli …` is the `campaign` command (cli.command)."""
from cli.command import run

run()
