"""Statistics against values worked out by hand or by brute-force enumeration of every table.

Every expected figure is a literal: fractions from the binomial and hypergeometric sums, roots of
polynomials solved by bisection, and Elo steps done on paper.
"""

from __future__ import annotations

import math

import pytest

from workbench.stats import (
    FISHER,
    MCNEMAR,
    Game,
    RateDifference,
    Standing,
    WinRecord,
    bradley_terry,
    elo,
    paired_difference,
    standings,
    unpaired_difference,
    wilson_interval,
    win_rates,
)


def _pairs(both: int, only_a: int, only_b: int, neither: int) -> list[tuple[bool, bool]]:
    return (
        [(True, True)] * both
        + [(True, False)] * only_a
        + [(False, True)] * only_b
        + [(False, False)] * neither
    )


# --- Wilson -----------------------------------------------------------------------------------


def test_wilson_interval_of_eight_in_ten() -> None:
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=5e-5)
    assert high == pytest.approx(0.9433, abs=5e-5)


def test_wilson_interval_is_honest_at_none_and_all() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=5e-5)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7225, abs=5e-5)
    assert high == pytest.approx(1.0)


def test_wilson_interval_without_trials_is_everything() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("successes", "trials"), [(11, 10), (-1, 10)])
def test_wilson_interval_refuses_impossible_counts(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(successes, trials)


# --- McNemar ----------------------------------------------------------------------------------


def test_mcnemar_one_against_nine_discordant() -> None:
    # 2 * (C(10,0) + C(10,1)) / 2^10 = 22/1024
    result = paired_difference(_pairs(both=5, only_a=1, only_b=9, neither=5))
    assert result.p_value == pytest.approx(0.021484375, rel=1e-12)
    assert result.rate_a == pytest.approx(0.3)
    assert result.rate_b == pytest.approx(0.7)
    assert result.test == MCNEMAR
    assert (result.trials_a, result.trials_b) == (20, 20)
    assert result.significant


def test_mcnemar_is_one_when_disagreements_split_evenly_or_none_happen() -> None:
    assert paired_difference(_pairs(both=3, only_a=4, only_b=4, neither=2)).p_value == 1.0
    assert paired_difference(_pairs(both=7, only_a=0, only_b=0, neither=3)).p_value == 1.0
    empty = paired_difference([])
    assert (empty.p_value, empty.rate_a, empty.rate_b) == (1.0, 0.0, 0.0)


def test_mcnemar_with_thousands_of_pairs_does_not_overflow() -> None:
    result = paired_difference(_pairs(both=0, only_a=0, only_b=1100, neither=0))
    assert result.p_value == pytest.approx(0.0, abs=1e-300)
    assert result.significant


# --- Fisher -----------------------------------------------------------------------------------


def test_fisher_lady_tasting_tea() -> None:
    # Weights C(4,x) C(4,4-x) = 1, 16, 36, 16, 1 of 70; observed 16: (1+16+16+1)/70 = 34/70.
    result = unpaired_difference(3, 4, 1, 4)
    assert result.p_value == pytest.approx(34 / 70, rel=1e-9)
    assert result.test == FISHER
    assert not result.significant


def test_fisher_all_against_none() -> None:
    # Only the two extreme tables are that unlikely: 2 / C(20, 10) = 2/184756.
    result = unpaired_difference(10, 10, 0, 10)
    assert result.p_value == pytest.approx(1.0825088224469030e-05, rel=1e-9)
    assert result.significant


def test_fisher_unequal_sizes() -> None:
    # Wikipedia's dieting example [[1, 9], [11, 3]]: two-sided p = 0.0027594561852200836
    # (summed over all tables with exact fractions).
    result = unpaired_difference(1, 10, 11, 14)
    assert result.p_value == pytest.approx(0.0027594561852200836, rel=1e-9)
    assert unpaired_difference(11, 14, 1, 10).p_value == pytest.approx(result.p_value)


@pytest.mark.parametrize(
    ("passed_a", "trials_a", "passed_b", "trials_b"), [(5, 10, 5, 10), (1, 2, 5, 10), (0, 0, 3, 4)]
)
def test_fisher_is_one_for_equal_rates_or_no_trials(
    passed_a: int, trials_a: int, passed_b: int, trials_b: int
) -> None:
    assert unpaired_difference(passed_a, trials_a, passed_b, trials_b).p_value == pytest.approx(1.0)


def test_fisher_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="3 of 2"):
        unpaired_difference(3, 2, 0, 2)


# --- the sentence -----------------------------------------------------------------------------


def test_sentence_of_a_significant_paired_difference_names_the_better_first() -> None:
    # 6 pairs disagree, all for b: p = 2 / 2^6 = 0.03125.
    result = paired_difference(_pairs(both=12, only_a=0, only_b=6, neither=2))
    assert result.sentence("prompt-a × gpt", "prompt-b × gpt") == (
        "prompt-b × gpt passes 90% vs 60% for prompt-a × gpt: "
        "significant (p = 0.031, McNemar exact, 20 pairs)"
    )


def test_sentence_of_a_difference_that_could_be_chance() -> None:
    # 8 pairs disagree, 7 for b: p = 2 (1 + 8) / 2^8 = 0.0703125.
    result = paired_difference(_pairs(both=11, only_a=1, only_b=7, neither=1))
    assert result.sentence("a", "b") == (
        "b passes 90% vs 60% for a: not significant at 20 pairs (p = 0.07, McNemar exact)"
    )


def test_sentence_says_when_no_outcome_at_this_size_could_tell() -> None:
    # 5 pairs: even a clean sweep gives 2 / 2^5 = 0.0625; 6 pairs could give 0.03125.
    tiny = paired_difference(_pairs(both=0, only_a=4, only_b=0, neither=0))
    assert not tiny.decidable
    assert tiny.sentence("a", "b") == (
        "a passes 100% vs 0% for b: too few to tell at 4 pairs "
        "(p = 0.12, McNemar exact; no outcome at this size reaches p < 0.05)"
    )
    assert not paired_difference(_pairs(0, 5, 0, 0)).decidable
    assert paired_difference(_pairs(0, 6, 0, 0)).decidable
    # Fisher at 3 vs 3: the extremes give 2/20 = 0.1; at 4 vs 4 they give 2/70.
    assert not unpaired_difference(3, 3, 0, 3).decidable
    assert unpaired_difference(4, 4, 0, 4).decidable


def test_sentence_of_unpaired_results_gives_each_side_its_trials() -> None:
    assert unpaired_difference(1, 10, 11, 14).sentence("a", "b") == (
        "b passes 79% vs 10% for a: significant (p = 0.0028, Fisher exact, 14 vs 10 trials)"
    )
    assert unpaired_difference(10, 10, 0, 10).sentence("a", "b") == (
        "a passes 100% vs 0% for b: significant (p < 0.001, Fisher exact, 10 trials each)"
    )


def test_sentence_of_equal_rates() -> None:
    assert unpaired_difference(5, 10, 5, 10).sentence("a", "b") == (
        "a and b both pass 50%: no difference at 10 trials each (p = 1, Fisher exact)"
    )
    assert unpaired_difference(1, 2, 1, 2).sentence("a", "b") == (
        "a and b both pass 50%: too few to tell at 2 trials each (p = 1, Fisher exact)"
    )


def test_sentence_never_rounds_p_across_alpha_or_two_rates_into_one() -> None:
    near = RateDifference(0.8, 0.5, 0.0496, FISHER, 30, 30)
    assert near.significant
    assert "significant (p = 0.0496," in near.sentence("a", "b")
    close = RateDifference(0.501, 0.5, 0.9, FISHER, 1000, 1000)
    assert close.sentence("a", "b").startswith("a passes 50.1% vs 50.0% for b")


def test_alpha_decides_significance() -> None:
    result = paired_difference(_pairs(both=5, only_a=1, only_b=9, neither=5), alpha=0.01)
    assert not result.significant
    with pytest.raises(ValueError, match="alpha"):
        RateDifference(0.5, 0.5, 1.0, FISHER, 1, 1, alpha=1.5)


# --- games and win rates ----------------------------------------------------------------------


def test_a_game_needs_two_players_and_a_known_score() -> None:
    with pytest.raises(ValueError, match="two different players"):
        Game("a", "a", 1.0)
    with pytest.raises(ValueError, match="score"):
        Game("a", "b", 0.7)


def test_win_rates_count_ties_half() -> None:
    games = [Game("A", "B", 1.0), Game("A", "C", 0.5), Game("B", "C", 1.0), Game("D", "E", 1.0)]
    assert win_rates(games) == [
        WinRecord("D", 1, 0, 0),
        WinRecord("A", 1, 0, 1),
        WinRecord("B", 1, 1, 0),
        WinRecord("C", 0, 1, 1),
        WinRecord("E", 0, 1, 0),
    ]
    assert [r.win_rate for r in win_rates(games)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert win_rates(games)[1].games == 2


def test_win_rates_break_ties_by_name() -> None:
    assert [r.player for r in win_rates([Game("Y", "X", 0.5)])] == ["X", "Y"]
    assert WinRecord("nobody", 0, 0, 0).win_rate == 0.0
    assert win_rates([]) == []


# --- Bradley-Terry ----------------------------------------------------------------------------


def test_bradley_terry_two_players_three_wins_in_four() -> None:
    # The MLE sets P(A beats B) = 3/4 = sA / (sA + sB): sA/sB = 3, so sqrt(3) and 1/sqrt(3).
    games = [Game("A", "B", 1.0)] * 3 + [Game("B", "A", 1.0)]
    strengths = bradley_terry(games, prior=0)
    assert strengths["A"] == pytest.approx(1.7320508075688772, rel=1e-8)
    assert strengths["B"] == pytest.approx(0.5773502691896258, rel=1e-8)


def test_bradley_terry_counts_a_tie_as_half_a_win_each() -> None:
    # A: one win and one tie = 1.5 wins of 2; B: 0.5. The same 3:1 ratio as above.
    strengths = bradley_terry([Game("A", "B", 1.0), Game("B", "A", 0.5)], prior=0)
    assert strengths["A"] / strengths["B"] == pytest.approx(3.0, rel=1e-8)


def test_bradley_terry_three_players_solved_by_hand() -> None:
    # Strengths 4 : 2 : 1 predict A over B 2/3, B over C 2/3, A over C 4/5; with exactly those
    # results every player's expected wins equal the actual ones (A: 2 + 4, B: 1 + 2, C: 1 + 1),
    # so 4 : 2 : 1 is the MLE. Geometric mean 2, hence 2, 1, 0.5.
    games = (
        [Game("A", "B", 1.0)] * 2
        + [Game("B", "A", 1.0)]
        + [Game("B", "C", 1.0)] * 2
        + [Game("C", "B", 1.0)]
        + [Game("A", "C", 1.0)] * 4
        + [Game("C", "A", 1.0)]
    )
    strengths = bradley_terry(games, prior=0)
    assert strengths == {
        "A": pytest.approx(2.0, rel=1e-8),
        "B": pytest.approx(1.0, rel=1e-8),
        "C": pytest.approx(0.5, rel=1e-8),
    }


def test_bradley_terry_prior_makes_an_unbeaten_player_finite() -> None:
    # One game, A won, prior 1 (one drawn game each against strength 1). With b = 1/a both
    # likelihood equations reduce to a^3 - a^2 - a - 3 = 0, root 2.1303954347672787 (bisection).
    strengths = bradley_terry([Game("A", "B", 1.0)], prior=1.0)
    assert strengths["A"] == pytest.approx(2.1303954347672787, rel=1e-8)
    assert strengths["B"] == pytest.approx(0.4693964245699947, rel=1e-8)
    assert all(math.isfinite(s) for s in bradley_terry([Game("A", "B", 1.0)] * 50).values())


def test_bradley_terry_without_prior_refuses_what_has_no_finite_answer() -> None:
    with pytest.raises(ValueError, match="prior > 0"):
        bradley_terry([Game("A", "B", 1.0)] * 3, prior=0)
    # Two groups that never met: ratios across them are undetermined.
    split = [Game("A", "B", 1.0), Game("B", "A", 1.0), Game("C", "D", 1.0), Game("D", "C", 1.0)]
    with pytest.raises(ValueError, match="C, D"):
        bradley_terry(split, prior=0)
    assert set(bradley_terry(split)) == {"A", "B", "C", "D"}
    with pytest.raises(ValueError, match="prior"):
        bradley_terry(split, prior=-1)


def test_bradley_terry_converges_to_the_likelihood_equations_and_normalises() -> None:
    # Linked both ways by wins (A>B, B=C, C>A, A>D, D>B, C=D), so the plain MLE exists.
    games = [
        Game("A", "B", 1.0),
        Game("B", "C", 0.5),
        Game("C", "A", 1.0),
        Game("A", "D", 1.0),
        Game("D", "B", 1.0),
        Game("C", "D", 0.5),
    ]
    strengths = bradley_terry(games, prior=0)
    assert math.prod(strengths.values()) == pytest.approx(1.0)
    # At the MLE each player's expected score equals its actual score.
    records = {r.player: r for r in win_rates(games)}
    for player, s in strengths.items():
        opponents = [g.second if g.first == player else g.first for g in games]
        expected = sum(
            s / (s + strengths[other])
            for g, other in zip(games, opponents, strict=True)
            if player in (g.first, g.second)
        )
        actual = records[player].wins + records[player].ties / 2
        assert expected == pytest.approx(actual, abs=1e-8)
    # Stopping early leaves the fit visibly short of that.
    assert bradley_terry(games, prior=0, iterations=1) != pytest.approx(strengths, rel=1e-3)


def test_bradley_terry_of_nothing_is_empty() -> None:
    assert bradley_terry([]) == {}


# --- Elo --------------------------------------------------------------------------------------


def test_elo_one_game_then_a_second_by_hand() -> None:
    first = elo([Game("A", "B", 1.0)])
    assert first == {"A": 1016.0, "B": 984.0}
    # Then B beats A: A expected 1 / (1 + 10^(-32/400)) = 0.5459219227804837, so A loses
    # 32 * 0.54592... = 17.4695 points and B gains them.
    second = elo([Game("A", "B", 1.0), Game("B", "A", 1.0)])
    assert second["A"] == pytest.approx(998.5304984710245, abs=1e-9)
    assert second["B"] == pytest.approx(1001.4695015289755, abs=1e-9)


def test_elo_tie_between_equals_changes_nothing_and_k_and_initial_apply() -> None:
    assert elo([Game("A", "B", 0.5)]) == {"A": 1000.0, "B": 1000.0}
    assert elo([Game("A", "B", 0.0)], k=10, initial=1500) == {"A": 1495.0, "B": 1505.0}
    assert elo([]) == {}


# --- standings --------------------------------------------------------------------------------


def test_standings_rank_by_strength_not_by_win_rate() -> None:
    # Z and B are both 1-0, but Z beat S (who beat W three times) and B only beat W.
    games = [Game("S", "W", 1.0)] * 3 + [Game("Z", "S", 1.0), Game("B", "W", 1.0)]
    board = standings(games)
    assert [s.player for s in board] == ["Z", "B", "S", "W"]
    assert [s.win_rate for s in board] == [1.0, 1.0, 0.75, 0.0]
    assert (board[2].wins, board[2].losses, board[2].ties) == (3, 1, 0)
    assert all(isinstance(s, Standing) for s in board)
    assert board[0].elo == pytest.approx(elo(games)["Z"])


def test_standings_order_players_the_data_cannot_tell_apart_by_name() -> None:
    games = [Game("b", "a", 1.0), Game("a", "b", 1.0), Game("c", "b", 0.5), Game("a", "c", 0.5)]
    assert [s.player for s in standings(games)] == ["a", "b", "c"]
    assert standings([]) == []
