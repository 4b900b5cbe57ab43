"""`--budget USD`: stop a run once its known cost reaches a ceiling (shared by run and eval)."""

from __future__ import annotations

import argparse
import math


def _usd(text: str) -> float:
    try:
        value = float(text.strip().removeprefix("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected US dollars like 0.50, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text!r}")
    return value


def add_budget_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget",
        type=_usd,
        metavar="USD",
        help="stop the run once its cost reaches USD; cells not yet ended fail as budget_reached"
        " (cells of unknown price do not count)",
    )
