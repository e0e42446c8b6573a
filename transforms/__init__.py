"""Pure transforms: bytes or frames in, frames out. No file system, no database, no Prefect."""
