"""Builders and data loaders for tests: import them as `tests.support.<module>`."""
