"""Statistics the comparison views rest on: intervals, significance, and rankings from pairs.

Standard library only. The significance tests are exact (binomial and hypergeometric sums, no
normal approximation), because the suites people compare prompts on are small, and that is where
approximations break.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95% interval

MCNEMAR = "McNemar exact"
FISHER = "Fisher exact"
_RELATIVE_TOLERANCE = 1e-7  # R's, for probabilities that are equal but for rounding


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a pass rate; (0.0, 1.0) when there are no trials.

    Unlike the normal approximation it stays inside [0, 1] and is honest at 0/n and n/n, which
    is where small suites live.
    """
    if trials <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be within 0..{trials}, not {successes}")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    return (max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator))


# --- is one pass rate really better? ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateDifference:
    """Two pass rates and whether their difference is more than chance.

    `trials_a` and `trials_b` are the cases behind each rate; for the paired test both are the
    number of pairs.
    """

    rate_a: float
    rate_b: float
    p_value: float  # two-sided
    test: str  # MCNEMAR or FISHER
    trials_a: int
    trials_b: int
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be between 0 and 1, not {self.alpha}")

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    @property
    def decidable(self) -> bool:
        """Whether any outcome at these sizes could be significant at all.

        With 5 pairs even a clean sweep gives p = 0.0625: "not significant" then says nothing
        about the prompts, only that the sample is too small, and the sentence says so.
        """
        if self.test == MCNEMAR:
            return _mcnemar_p(self.trials_a, 0) < self.alpha
        # The most one-sided tables (all of one side pass, all of the other fail) have the
        # smallest p-value of any table with these sizes (checked by enumeration up to 13 x 13).
        return (
            min(
                _fisher_p(self.trials_a, self.trials_a, 0, self.trials_b),
                _fisher_p(0, self.trials_a, self.trials_b, self.trials_b),
            )
            < self.alpha
        )

    def sentence(self, name_a: str, name_b: str) -> str:
        """The result in one line, the better of the two named first."""
        p = _p_text(self.p_value, self.alpha)
        if self.rate_a == self.rate_b:
            verdict = "no difference" if self.decidable else "too few to tell"
            return (
                f"{name_a} and {name_b} both pass {_percent(self.rate_a)}: "
                f"{verdict} at {self._size(self.trials_a, self.trials_b)} ({p}, {self.test})"
            )
        a_leads = self.rate_a > self.rate_b
        hi_name, lo_name = (name_a, name_b) if a_leads else (name_b, name_a)
        hi_rate, lo_rate = (self.rate_a, self.rate_b) if a_leads else (self.rate_b, self.rate_a)
        hi_n, lo_n = (self.trials_a, self.trials_b) if a_leads else (self.trials_b, self.trials_a)
        hi_text, lo_text = _percents(hi_rate, lo_rate)
        size = self._size(hi_n, lo_n)
        lead = f"{hi_name} passes {hi_text} vs {lo_text} for {lo_name}"
        if self.significant:
            return f"{lead}: significant ({p}, {self.test}, {size})"
        if not self.decidable:
            return (
                f"{lead}: too few to tell at {size} ({p}, {self.test}; "
                f"no outcome at this size reaches p < {self.alpha:g})"
            )
        return f"{lead}: not significant at {size} ({p}, {self.test})"

    def _size(self, first: int, second: int) -> str:
        if self.test == MCNEMAR:
            return f"{first} pair" if first == 1 else f"{first} pairs"
        if first == second:
            return f"{first} trials each"
        return f"{first} vs {second} trials"


def paired_difference(pairs: Sequence[tuple[bool, bool]], alpha: float = 0.05) -> RateDifference:
    """Exact McNemar test on (a passed, b passed) per case: the same cases under two columns.

    Only the cases where the two disagree carry information; under "no difference" each of them
    is equally likely to favour either side, so their split is Binomial(b + c, 1/2).
    """
    only_a = sum(1 for a, b in pairs if a and not b)
    only_b = sum(1 for a, b in pairs if b and not a)
    n = len(pairs)
    return RateDifference(
        rate_a=sum(1 for a, _ in pairs if a) / n if n else 0.0,
        rate_b=sum(1 for _, b in pairs if b) / n if n else 0.0,
        p_value=_mcnemar_p(only_a, only_b),
        test=MCNEMAR,
        trials_a=n,
        trials_b=n,
        alpha=alpha,
    )


def unpaired_difference(
    passed_a: int, trials_a: int, passed_b: int, trials_b: int, alpha: float = 0.05
) -> RateDifference:
    """Fisher's exact test, two-sided, for pass rates over different (or unmatched) cases."""
    for passed, trials in ((passed_a, trials_a), (passed_b, trials_b)):
        if trials < 0 or not 0 <= passed <= trials:
            raise ValueError(f"passed must be within 0..trials, not {passed} of {trials}")
    return RateDifference(
        rate_a=passed_a / trials_a if trials_a else 0.0,
        rate_b=passed_b / trials_b if trials_b else 0.0,
        p_value=_fisher_p(passed_a, trials_a, passed_b, trials_b),
        test=FISHER,
        trials_a=trials_a,
        trials_b=trials_b,
        alpha=alpha,
    )


def _mcnemar_p(only_a: int, only_b: int) -> float:
    """min(1, 2 P(X <= min(b, c))) for X ~ Binomial(b + c, 1/2); 1.0 when nothing disagrees."""
    discordant = only_a + only_b
    # Each term is C(n, k) / 2^n, taken through logarithms so that thousands of cases cost
    # microseconds and never overflow.
    tail = math.fsum(
        math.exp(_log_comb(discordant, k) - discordant * math.log(2.0))
        for k in range(min(only_a, only_b) + 1)
    )
    return min(1.0, 2.0 * tail)


def _fisher_p(passed_a: int, trials_a: int, passed_b: int, trials_b: int) -> float:
    """Sum of the probabilities of every table with these margins no likelier than the observed.

    As R's fisher.test does, "no likelier" allows a relative 1e-7: tables exactly as likely as
    the observed one (its mirror image, say) must count, and floating point would otherwise drop
    some of them at random.
    """
    passed = passed_a + passed_b
    low, high = max(0, passed - trials_b), min(trials_a, passed)
    everything = _log_comb(trials_a + trials_b, passed)
    log_probabilities = [
        _log_comb(trials_a, x) + _log_comb(trials_b, passed - x) - everything
        for x in range(low, high + 1)
    ]
    cutoff = log_probabilities[passed_a - low] + math.log1p(_RELATIVE_TOLERANCE)
    return min(1.0, math.fsum(math.exp(lp) for lp in log_probabilities if lp <= cutoff))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _p_text(p: float, alpha: float) -> str:
    """Two significant digits, more when rounding would carry p across alpha (0.0496 -> 0.05)."""
    if p < 0.001:
        return "p < 0.001"
    for digits in range(2, 6):
        text = f"{p:.{digits}g}"
        if (float(text) < alpha) == (p < alpha):
            return f"p = {text}"
    return f"p = {p:.6g}"


def _percent(rate: float, decimals: int = 0) -> str:
    return f"{rate * 100:.{decimals}f}%"


def _percents(high: float, low: float) -> tuple[str, str]:
    """Whole percents, or one decimal where whole ones would print two different rates alike."""
    decimals = 0 if _percent(high) != _percent(low) else 1
    return _percent(high, decimals), _percent(low, decimals)


# --- rankings from pairwise judgements ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Game:
    """One pairwise comparison between two players (prompt x model columns)."""

    first: str
    second: str
    score: float  # 1.0 first won, 0.0 second won, 0.5 tie

    def __post_init__(self) -> None:
        if self.first == self.second:
            raise ValueError(f"a game needs two different players, not {self.first!r} twice")
        if self.score not in (0.0, 0.5, 1.0):
            raise ValueError(f"a game's score is 1.0, 0.5 or 0.0, not {self.score!r}")


@dataclass(frozen=True, slots=True)
class WinRecord:
    player: str
    wins: int
    losses: int
    ties: int

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.ties

    @property
    def win_rate(self) -> float:
        """Wins plus half the ties, over games; 0.0 for a player with no games."""
        return (self.wins + self.ties / 2) / self.games if self.games else 0.0


def win_rates(games: Sequence[Game]) -> list[WinRecord]:
    """Each player's record, best win rate first, then by name."""
    tally: dict[str, list[int]] = {}  # player -> [wins, losses, ties]
    for game in games:
        first = tally.setdefault(game.first, [0, 0, 0])
        second = tally.setdefault(game.second, [0, 0, 0])
        if game.score == 1.0:
            first[0] += 1
            second[1] += 1
        elif game.score == 0.0:
            first[1] += 1
            second[0] += 1
        else:
            first[2] += 1
            second[2] += 1
    records = [WinRecord(player, *counts) for player, counts in tally.items()]
    return sorted(records, key=lambda r: (-r.win_rate, r.player))


def bradley_terry(
    games: Sequence[Game], prior: float = 0.5, iterations: int = 1000, tolerance: float = 1e-10
) -> dict[str, float]:
    """Bradley-Terry strengths: P(i beats j) = s_i / (s_i + s_j), geometric mean 1.

    Fitted by Hunter's (2004) MM algorithm; a tie counts half a win to each side. `prior` adds
    that many drawn virtual games per player against a virtual player of strength 1, which pulls
    every strength towards average: without it an unbeaten player's strength is infinite and a
    single lucky win looks like certainty. prior=0 is the plain maximum-likelihood fit, which
    exists only when wins connect every player to every other in both directions. Stops after
    `iterations` rounds or once no strength moves by more than `tolerance` (relative).
    """
    if prior < 0:
        raise ValueError(f"prior must be zero or more, not {prior}")
    credit: dict[str, float] = {}  # wins, ties counting half, virtual draws included
    meetings: dict[str, dict[str, int]] = {}  # player -> opponent -> games played
    for game in games:
        for player, opponent, score in (
            (game.first, game.second, game.score),
            (game.second, game.first, 1.0 - game.score),
        ):
            credit[player] = credit.get(player, prior / 2) + score
            against = meetings.setdefault(player, {})
            against[opponent] = against.get(opponent, 0) + 1
    if not credit:
        return {}
    if prior == 0:
        _require_connected_by_wins(games, list(credit))
    strength = dict.fromkeys(credit, 1.0)
    for _ in range(iterations):
        # Hunter's update: s_i = W_i / sum_j n_ij / (s_i + s_j), the virtual opponent included.
        updated = {
            player: credit[player]
            / (
                sum(n / (strength[player] + strength[other]) for other, n in against.items())
                + prior / (strength[player] + 1.0)
            )
            for player, against in meetings.items()
        }
        change = max(abs(updated[p] - strength[p]) / strength[p] for p in strength)
        strength = updated
        if change < tolerance:
            break
    # The fit fixes only ratios (with a prior, relative to the virtual player): report them on
    # the scale where a typical player is 1.
    centre = math.exp(sum(math.log(s) for s in strength.values()) / len(strength))
    return {player: s / centre for player, s in strength.items()}


def _require_connected_by_wins(games: Sequence[Game], players: list[str]) -> None:
    """Refuse a plain fit that has no finite answer, naming the players it cannot place."""
    beat: dict[str, set[str]] = {player: set() for player in players}  # winner -> losers
    for game in games:
        if game.score > 0.0:
            beat[game.first].add(game.second)
        if game.score < 1.0:
            beat[game.second].add(game.first)
    lost_to: dict[str, set[str]] = {player: set() for player in players}
    for winner, losers in beat.items():
        for loser in losers:
            lost_to[loser].add(winner)
    start = players[0]
    # Strongly connected: everyone is reachable from one player along wins and along losses.
    linked = _reachable(start, beat) & _reachable(start, lost_to)
    if unlinked := sorted(set(players) - linked):
        raise ValueError(
            f"no finite Bradley-Terry strengths without a prior: wins and losses do not link "
            f"{start} with {', '.join(unlinked)} both ways; use prior > 0"
        )


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    frontier = [start]
    while frontier:
        for nxt in edges[frontier.pop()] - seen:
            seen.add(nxt)
            frontier.append(nxt)
    return seen


def elo(games: Sequence[Game], k: float = 32.0, initial: float = 1000.0) -> dict[str, float]:
    """Elo ratings after playing `games` in the order given (unlike Bradley-Terry, order matters).

    Expected score of the first player: 1 / (1 + 10 ** ((R_second - R_first) / 400)).
    """
    rating: dict[str, float] = {}
    for game in games:
        first = rating.setdefault(game.first, initial)
        second = rating.setdefault(game.second, initial)
        expected = 1.0 / (1.0 + 10.0 ** ((second - first) / 400.0))
        # What one side gains the other loses: the total stays put.
        shift = k * (game.score - expected)
        rating[game.first] = first + shift
        rating[game.second] = second - shift
    return rating


@dataclass(frozen=True, slots=True)
class Standing:
    """One row of the scoreboard."""

    player: str
    wins: int
    losses: int
    ties: int
    win_rate: float
    strength: float  # Bradley-Terry, with the default prior
    elo: float


def standings(games: Sequence[Game]) -> list[Standing]:
    """The scoreboard: best Bradley-Terry strength first, then by name."""
    strengths = bradley_terry(games)
    ratings = elo(games)
    rows = [
        Standing(
            player=record.player,
            wins=record.wins,
            losses=record.losses,
            ties=record.ties,
            win_rate=record.win_rate,
            strength=strengths[record.player],
            elo=ratings[record.player],
        )
        for record in win_rates(games)
    ]
    # Rounded so that players the data cannot tell apart (equal strengths up to floating-point
    # noise) are ordered by name, not by the last bit of the fit.
    return sorted(rows, key=lambda s: (-round(s.strength, 9), s.player))
