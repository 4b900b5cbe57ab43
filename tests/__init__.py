"""Tests for Prompt Workbench."""
