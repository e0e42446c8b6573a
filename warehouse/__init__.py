"""The DuckDB warehouse: schema, SQL and every connection."""
