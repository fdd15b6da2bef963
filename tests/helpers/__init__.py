"""Helpers shared by the tests (small synthetic inputs, toy components)."""
