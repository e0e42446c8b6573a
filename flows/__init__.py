"""Prefect flows: orchestration only. Tasks call intake, transforms, expectations and warehouse."""
