"""The news spider's request priority by a listed article's rank: newest first, few levels."""

from __future__ import annotations

from spiders.news import PRIORITY_LEVELS, rank_priority


def test_a_short_listing_keeps_one_level_per_entry() -> None:
    assert [rank_priority(rank, 5) for rank in range(5)] == [5, 4, 3, 2, 1]


def test_a_long_listing_is_spread_over_a_bounded_number_of_levels() -> None:
    priorities = [rank_priority(rank, 5000) for rank in range(5000)]
    assert priorities == sorted(priorities, reverse=True)  # newer never after older
    assert len(set(priorities)) == PRIORITY_LEVELS
    assert priorities[0] > priorities[-1] == 1
