"""Prompt Workbench's core: prompts, models, the runner and honest readouts, with no Qt and no SQL.

Importing this package is cheap: litellm, tiktoken and pandas load only when first needed.
"""

from __future__ import annotations

__version__ = "0.1.0"
