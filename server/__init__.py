"""Local analysis API: which uses of "alignment" on a page are ambiguous."""

__version__ = "0.1.0"
