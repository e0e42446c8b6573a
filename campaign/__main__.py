"""`python -m campaign …` is the `campaign` command (campaign.command)."""
from campaign.command import run

run()
