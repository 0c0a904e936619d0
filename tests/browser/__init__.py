"""Browser tests for the extension (a package, so its conftest and helpers never shadow the
top-level tests' `conftest` module)."""
