"""Benchmarks of the campaign pipeline at city, province and national scale (`python -m bench.run`)."""
