"""GUI tests drive real widgets offscreen: no display is needed or touched."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
