"""The test suite: `python3 -m pytest` from the project root (see pyproject.toml)."""
