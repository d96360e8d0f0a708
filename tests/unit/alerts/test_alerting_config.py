"""The alerting section is checked when vigil.yml loads, each problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config import load_config
from store.configfile import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "vigil.yml"


def errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "vigil.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), environ={})
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_bad_matchers_durations_and_intervals_are_located(tmp_path: Path) -> None:
    assert errors(
        tmp_path,
        """\
alerting:
  route:
    receiver: a
    routes:
      - matchers: ['severity=~"(crit"', 'team="db"', "oops"]
        group_by: [..., job]
        repeat_interval: 0s
  receivers: [{name: a}]
  time_intervals:
    - name: night
      time_intervals:
        - weekdays: ['friday:monday']
          times: [{start_time: "10:00", end_time: "09:00"}]
          location: Mars/Base
""",
    ) == [
        "5: alerting.route.routes[0].matchers[0]: error parsing regexp: missing closing ): `(crit`",
        "5: alerting.route.routes[0].matchers[2]: bad matcher format: oops",
        "6: alerting.route.routes[0].group_by: "
        "cannot have wildcard group_by (`...`) and other labels together",
        '7: alerting.route.routes[0].repeat_interval: "0s": input should be greater than 0',
        "12: alerting.time_intervals[0].time_intervals[0].weekdays[0]: "
        "start day cannot be before end day",
        "13: alerting.time_intervals[0].time_intervals[0].times[0]: "
        "start time cannot be equal or greater than end time",
        "14: alerting.time_intervals[0].time_intervals[0].location: unknown time zone Mars/Base",
    ]


def test_unknown_or_duplicate_names_are_located(tmp_path: Path) -> None:
    assert errors(
        tmp_path,
        """\
alerting:
  route:
    receiver: a
    matchers: [x=y]
    routes:
      - receiver: a
        mute_time_intervals: [night, lunch]
  receivers: [{name: a}, {name: a}]
  time_intervals: [{name: night}]
  mute_time_intervals: [{name: night}]
""",
    ) == [
        "4: alerting.route.matchers: the root route must not have matchers",
        '7: alerting.route.routes[0].mute_time_intervals[1]: time interval "lunch" is not defined',
        '8: alerting.receivers[1].name: receiver "a" is not unique',
        '10: alerting.mute_time_intervals[0].name: time interval "night" is not unique',
    ]


def test_the_example_configuration_is_valid_and_has_a_real_tree() -> None:
    alerting = load_config(str(EXAMPLE), environ={}).config.alerting
    assert len(alerting.route.routes) >= 2
    assert any(route.continue_ for route in alerting.route.routes)
    assert alerting.inhibit_rules and alerting.time_intervals
