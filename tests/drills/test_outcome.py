"""A drill that never produces what it is about proves nothing: it does not meet its expectation and
is never green. No broker needed: an empty journal is a run where nothing came about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secours.drills.model import Drill
from secours.drills.outcome import idle_scenarios, judge, shown_checks
from secours.drills.reportdata import CheckOutcome
from secours.world import World


def _c(check_id: str, scenario: str, status: str) -> CheckOutcome:
    return CheckOutcome(check_id, scenario, "title", status, "message")  # type: ignore[arg-type]


def test_a_scenario_is_idle_when_none_of_its_own_checks_was_exercised() -> None:
    checks = [
        _c("ICS2-EU-STI-DOWN#1", "ICS2-EU-STI-DOWN", "not_exercised"),
        _c("ICS2-EU-STI-DOWN#2", "ICS2-EU-STI-DOWN", "not_exercised"),
        _c("G1", "GLOBAL", "pass"),
        _c("ICS2-EU-CR-DOWN#1", "ICS2-EU-CR-DOWN", "pass"),
        _c("ICS2-EU-CR-DOWN#2", "ICS2-EU-CR-DOWN", "not_exercised"),
    ]
    assert idle_scenarios(["ICS2-EU-STI-DOWN", "ICS2-EU-CR-DOWN"], checks) == ["ICS2-EU-STI-DOWN"]
    checks[0] = _c("ICS2-EU-STI-DOWN#1", "ICS2-EU-STI-DOWN", "fail")
    assert idle_scenarios(["ICS2-EU-STI-DOWN"], checks) == []


def test_a_scenario_without_checks_of_its_own_is_judged_by_the_shared_checks_it_applies() -> None:
    case = "ECS-BS-CASE1-ECSBS-DOWN-IMMEDIATE"
    assert idle_scenarios([case], [_c("E1", "ECS-BS", "not_exercised"), _c("K3", "ECS-BS", "not_exercised")]) == [case]
    assert idle_scenarios([case], [_c("E1", "ECS-BS", "pass"), _c("K3", "ECS-BS", "not_exercised")]) == []


def test_a_drill_whose_scenario_never_came_about_is_not_green() -> None:
    drill = Drill.model_validate(
        {"drill": "idle", "title": "t", "scenarios": ["ICS2-FR-S2-AS-DOWN"], "duration_hours": 1,
         "traffic": {"consignments": 5, "providers": 1, "traders": 2}}
    )  # fmt: skip
    world = World(drill.run_config())
    end = world.config.start + timedelta(hours=1)
    outcome = judge(drill, world, [], 1.0, end, "stepped")
    assert outcome.verdict == "pass"  # nothing failed...
    assert outcome.expectation_met is False  # ...but nothing it is about happened
    assert outcome.exit_code == 1
    assert outcome.problems[0].startswith("scenario ICS2-FR-S2-AS-DOWN never came about")


def test_a_check_that_may_fail_is_met_either_way_and_must_say_why() -> None:
    base = {"drill": "d", "title": "t", "expect_fail": ["EU-C3"]}
    drill = Drill.model_validate({**base, "may_fail": {"G7": "only goods arriving after the window"}})
    assert drill.meets({"EU-C3"}) and drill.meets({"EU-C3", "G7"})
    assert not drill.meets({"G7"}) and not drill.meets({"EU-C3", "G1"}) and not drill.meets(set())
    for bad, said in (
        ({**base, "may_fail": {"G7": " "}}, "say why 'G7'"),
        ({**base, "may_fail": {"EU-C3": "x"}}, "in expect_fail and in may_fail"),
        ({"drill": "d", "title": "t", "may_fail": {"G7": "x"}}, "may_fail without expect_fail"),
        ({**base, "may_fail": {"G99": "x"}}, "unknown check 'G99'"),
    ):
        with pytest.raises(ValueError, match=said):
            Drill.model_validate(bad)


def test_a_negative_drill_whose_breach_never_showed_says_so_and_is_not_green() -> None:
    drill = Drill.model_validate(
        {"drill": "neg", "title": "t", "duration_hours": 1, "expect_fail": ["G2"],
         "traffic": {"consignments": 5, "providers": 1, "traders": 2}}
    )  # fmt: skip
    world = World(drill.run_config())
    outcome = judge(drill, world, [], 1.0, world.config.start + timedelta(hours=1), "stepped")
    assert outcome.verdict == "pass" and outcome.expectation_met is False and outcome.exit_code == 1
    assert outcome.problems[0].startswith("1 staged checks did not fail, the breach never showed: G2 (")


def test_a_staged_warning_level_check_shows_as_a_warning_and_only_when_staged() -> None:
    scenario = "ICS2-FR-NO-ALERT"
    checks = [_c(f"{scenario}#2", scenario, "warn"), _c(f"{scenario}#3", scenario, "warn"),
              _c("G2", "GLOBAL", "fail"), _c("G1", "GLOBAL", "pass")]  # fmt: skip
    staged = Drill.model_validate({"drill": "d", "title": "t", "expect_fail": ["ICS2-FR-NO-ALERT#2", "G2"]})
    assert shown_checks(staged, checks) == {"ICS2-FR-NO-ALERT#2", "G2"}  # #3 warned but is not staged
    assert staged.meets(shown_checks(staged, checks))
    unstaged = Drill.model_validate({"drill": "d", "title": "t", "expect_fail": ["G2"]})
    assert shown_checks(unstaged, checks) == {"G2"}
