"""Tests of what ships beside the code: the wheel, desktop integration, the bundle."""
