"""Great Expectations suites (JSON files under suites/) and the thin code that runs them."""
