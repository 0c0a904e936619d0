"""Developer tools: `python -m tools.package` builds the browser packages."""
