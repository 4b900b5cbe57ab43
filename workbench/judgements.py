"""A model's verdict on one check of one cell (an `llm-rubric` check), as the store keeps it.

Model-graded verdicts cost a call and differ between calls, so they are kept with the run rather
than recomputed: the verdict, the judge model, and its raw reply (its reasoning) as it came.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.checks import Verdict


@dataclass(frozen=True, slots=True)
class Judgement:
    cell: int  # the judged cell's index in its run
    position: int  # the check's position among the checks applied to that cell
    verdict: Verdict
    model: str  # the judge model's name
    raw: str  # the judge's whole reply
