"""The package version, kept in one place so the User-Agent and ``duneq.__version__`` agree."""

__version__ = "0.1.0"
