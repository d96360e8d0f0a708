"""Jobs return to their phase after a first run brought forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.agent import PhasedIntervalTrigger

T0 = datetime(2026, 11, 22, 6, 0, 0, tzinfo=UTC)


def test_later_runs_fall_on_the_phase_grid_not_after_the_first_run() -> None:
    trigger = PhasedIntervalTrigger(seconds=15, start_date=T0 + timedelta(seconds=7), timezone=UTC)
    first_run = T0 + timedelta(seconds=0.5)  # the agent's quick first run
    second = trigger.get_next_fire_time(first_run, first_run)
    assert second == T0 + timedelta(seconds=7)
    assert trigger.get_next_fire_time(second, second) == T0 + timedelta(seconds=22)


def test_a_late_run_skips_to_the_next_slot_on_the_grid() -> None:
    trigger = PhasedIntervalTrigger(seconds=15, start_date=T0 + timedelta(seconds=7), timezone=UTC)
    late = T0 + timedelta(seconds=25)
    assert trigger.get_next_fire_time(T0 + timedelta(seconds=7), late) == T0 + timedelta(seconds=37)
