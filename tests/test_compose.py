"""docker-compose.yml cannot run here (no Docker engine), so its agreement with the code is read."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml
from jsonschema import Draft201909Validator

from secours.cli.main import build_parser
from services import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_one_container_per_service_running_only_itself() -> None:
    for name in REGISTRY:
        assert name in SERVICES, f"no container for service {name}"
        command = SERVICES[name]["command"]
        args = build_parser().parse_args(command[1:])
        assert command[0] == "secours"
        assert args.command == "run" and args.join and args.only == [name]


def test_every_command_parses_and_names_existing_files() -> None:
    for name, svc in SERVICES.items():
        if "command" not in svc:
            continue
        args = build_parser().parse_args(svc["command"][1:])
        drill = getattr(args, "drill", None)
        if drill is not None:
            assert (ROOT / drill).is_file(), f"{name} names missing drill {drill}"


def test_announcer_creates_topics_because_the_broker_does_not() -> None:
    kafka = SERVICES["kafka"]["environment"]
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    args = build_parser().parse_args(SERVICES["announcer"]["command"][1:])
    assert args.announce_only


def test_services_reach_the_broker_on_an_advertised_listener() -> None:
    advertised = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name in REGISTRY:
        bootstrap = SERVICES[name]["environment"]["SECOURS_BOOTSTRAP"]
        assert f"//{bootstrap}" in advertised, f"{name} uses {bootstrap}, not advertised by kafka"
        assert SERVICES[name]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_image_contains_the_data_files_the_code_reads() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for needed in ("topics.yaml", "schemas", "drills", "secours", "services"):
        assert needed in dockerfile


def _compose_errors(doc: object) -> list[str]:
    schema = json.loads((Path(__file__).resolve().parent / "data" / "compose-spec.json").read_text())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft201909Validator(schema).iter_errors(doc)
    ]


def test_the_compose_file_fits_the_compose_specification() -> None:
    assert _compose_errors(COMPOSE) == []


def test_the_specification_check_catches_a_broken_compose_file() -> None:
    name = next(n for n, s in SERVICES.items() if "command" in s)
    typo = copy.deepcopy(COMPOSE)
    typo["services"][name]["comand"] = typo["services"][name].pop("command")
    assert any("comand" in e for e in _compose_errors(typo))
    bad = copy.deepcopy(COMPOSE)
    bad["services"][name]["depends_on"] = 3
    assert any(e.startswith(f"services/{name}/depends_on") for e in _compose_errors(bad))
