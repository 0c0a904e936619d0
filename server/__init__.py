"""Local analysis API: which uses of "alignment" on a page are ambiguous. Its version is manifest.json's
(GET /api/v1/health reports it): one version for the extension, the server and the packages."""
