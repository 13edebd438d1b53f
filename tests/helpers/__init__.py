"""Helpers shared by the test folders (``tests/`` is on ``sys.path`` through its conftest)."""
