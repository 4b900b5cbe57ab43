"""Shared test support: fakes and helpers used by the rest of the test suite."""
