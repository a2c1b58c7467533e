"""The game-day page as a trainer and a trainee's browser use it: ``secours run --ui`` on a real broker,
its API read and driven over HTTP (the page itself only renders what ``/api/events`` sends)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from secours.bus.brokers.ports import reserve_port
from secours.gameday.board import Board
from secours.wire import SauDiagnosis
from secours.world import RunConfig, Traffic, World
from tests.conftest import SessionBroker

ROOT = Path(__file__).resolve().parents[1]
KEY = "trainer-key-for-the-test"


class Page:
    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["X-Secours-Key"] = key
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        answer = conn.getresponse()
        raw = answer.read().decode()
        conn.close()
        return answer.status, (json.loads(raw) if answer.getheader("content-type", "").startswith("application/json")
                               else raw)  # fmt: skip

    def state(self) -> dict[str, Any]:
        status, body = self.call("GET", "/api/state")
        assert status == 200, body
        return dict(body)

    def component(self, name: str) -> dict[str, Any]:
        return next(c for c in self.state()["components"] if c["name"] == name)


class Served:
    def __init__(self, page: Page, lines: list[str]) -> None:
        self.page, self.lines = page, lines


@contextlib.contextmanager
def _serve(tmp_path: Path, broker: SessionBroker, prefix: str, *extra: str) -> Iterator[Served]:
    drill = tmp_path / "day.yaml"
    drill.write_text(
        "drill: day\ntitle: a game day\nseed: 5\nspeed: 60\nduration_hours: 10\n"
        "traffic: {consignments: 120, providers: 2, traders: 8, first_arrival_hour: 1, last_arrival_hour: 9}\n"
    )
    held = reserve_port()  # the page's port, kept from other processes until the run listens on it
    port = held.getsockname()[1]
    command = [sys.executable, "-m", "secours.cli.main", "run", "--drill", str(drill), "--ui", f"127.0.0.1:{port}",
               "--bootstrap", broker.bootstrap, "--prefix", prefix, *extra]  # fmt: skip
    env = {**os.environ, **broker.cli_env(), "SECOURS_CONTROL_KEY": KEY}
    desks = sum(1 for x in extra if x == "--human")
    with held, subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stderr is not None
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            desks -= "trainee desk" in line
            if not line or (any("game day: http://" in x for x in lines) and desks <= 0):
                break
        assert any(f"http://127.0.0.1:{port}/" in x for x in lines), "".join(lines)
        shown = next(x for x in lines if "game day: http://" in x)
        assert "SECOURS_CONTROL_KEY" in shown and KEY not in shown  # a configured key is never printed
        try:
            yield Served(Page(port), lines)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err[-2000:]


@pytest.fixture
def page(tmp_path: Path, broker: SessionBroker, prefix: str) -> Iterator[Page]:
    with _serve(tmp_path, broker, prefix) as served:
        yield served.page


def _until(page: Page, name: str, state: str, timeout_s: float = 5.0) -> float:
    """Wall seconds until ``name`` shows ``state`` on the page's API."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if page.component(name)["state"] == state:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{name} not {state} after {timeout_s} s: {page.component(name)}")


def test_the_page_and_its_state_follow_the_run(page: Page) -> None:
    status, html = page.call("GET", "/")
    assert status == 200 and "secours game day" in html and "EventSource" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing fetched from elsewhere
    first = page.state()
    names = {c["name"] for c in first["components"]}
    assert {"ics2_sti", "ics2_cr", "edi_provider"} <= names
    assert all(c["state"] == "up" and c["published"] == "normal" for c in first["components"])
    assert first["clock"] == {"speed": 60.0, "paused": False, "max_speed": 600.0}
    assert len(first["flow"]) == 60 and set(first["counts"]) >= {"filed", "receipted", "registered", "rejected"}
    time.sleep(1.5)
    later = page.state()
    assert later["sim_time"] > first["sim_time"]  # simulated time moves at the run's pace


def test_the_event_stream_sends_the_state(page: Page) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", page.port, timeout=10)
    conn.request("GET", "/api/events")
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("content-type", "").startswith("text/event-stream")
    start = time.monotonic()
    events = []
    while len(events) < 2 and time.monotonic() - start < 5:
        line = answer.fp.readline().decode().strip()
        if line.startswith("data: "):
            events.append(json.loads(line.removeprefix("data: ")))
    conn.close()
    assert len(events) == 2, events
    assert events[1]["sim_time"] >= events[0]["sim_time"] and events[0]["viewers"] >= 1


def test_a_trainee_without_the_key_cannot_act(page: Page) -> None:
    body = {"kind": "down", "scope": {"component": "ics2_sti"}}
    for key in (None, "", "not-the-key"):
        status, answer = page.call("POST", "/api/faults", body, key=key)
        assert status == 403 and "trainer's key" in answer["error"]
    assert page.call("POST", "/api/clock", {"paused": True})[0] == 403
    assert page.call("POST", "/api/faults/x/clear", {}, key="nope")[0] == 403
    assert page.state()["faults"] == [] and page.component("ics2_sti")["state"] == "up"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "dwon", "scope": {"component": "ics2_sti"}}, "invalid fault"),
        ({"kind": "down", "scope": {"component": "ics2_stti"}}, "unknown component 'ics2_stti'"),
        ({"kind": "latency", "scope": {"component": "ics2_sti"}}, "delay_s"),
        ({"kind": "down", "scope": {"component": "ics2_sti"}, "duration": "soon"}, "duration"),
        (["down"], "JSON object"),
    ],
)
def test_a_bad_fault_gets_one_line_naming_what_is_wrong(page: Page, body: Any, message: str) -> None:
    status, answer = page.call("POST", "/api/faults", body, key=KEY)
    assert status == 422 and message in answer["error"] and "\n" not in answer["error"], answer


def test_the_trainer_breaks_a_component_and_the_page_shows_it_within_a_second(page: Page) -> None:
    status, answer = page.call(
        "POST", "/api/faults", {"id": "sti-out", "kind": "down", "scope": {"component": "ics2_sti"}}, key=KEY
    )
    assert status == 201 and answer["injected"] == "sti-out", answer
    assert _until(page, "ics2_sti", "down") < 1.0
    fault = next(f for f in page.state()["faults"] if f["id"] == "sti-out")
    assert fault["active"] and fault["until"] == ""
    assert page.call("POST", "/api/faults", {"id": "sti-out", "kind": "down", "scope": {"component": "ics2_sti"}},
                     key=KEY)[0] == 422  # fmt: skip
    status, answer = page.call("POST", "/api/faults/sti-out/clear", {}, key=KEY)
    assert status == 200 and answer["cleared"] == "sti-out"
    assert _until(page, "ics2_sti", "up") < 1.0
    assert page.call("POST", "/api/faults/no-such/clear", {}, key=KEY)[0] == 404


def test_the_trainer_pauses_resumes_and_changes_the_speed(page: Page) -> None:
    status, answer = page.call("POST", "/api/clock", {"paused": True}, key=KEY)
    assert status == 200 and answer["clock"]["paused"] is True
    held = page.state()["sim_time"]
    time.sleep(1.2)
    assert page.state()["sim_time"] == held  # paused: simulated time stands still
    assert page.call("POST", "/api/clock", {"paused": False, "speed": 600}, key=KEY)[0] == 200
    time.sleep(1.0)
    moved = page.state()
    assert moved["clock"]["speed"] == 600.0 and not moved["clock"]["paused"]
    assert moved["sim_time"] > held
    for bad in ({"speed": 0}, {"speed": 601}, {"speed": "fast"}, {"paused": "yes"}):
        status, answer = page.call("POST", "/api/clock", bad, key=KEY)
        assert status == 422 and ("speed" in answer["error"] or "paused" in answer["error"]), answer


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _browser() -> Any:

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def _row_state(driver: Any, name: str) -> str:
    """The real state a page shows for ``name`` (read in one script: the page redraws its tables)."""
    found = driver.execute_script(
        "for (const tr of document.querySelectorAll('#components tbody tr')) {"
        " const td = tr.querySelectorAll('td'); if (td[0] && td[0].textContent === arguments[0])"
        " return td[1].textContent; } return '';",
        name,
    )
    return str(found)


def _wait(what: Any, timeout_s: float = 10.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if what():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not seen within {timeout_s} s")


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium and its driver are needed: apt-get install -y chromium chromium-driver",
)
def test_in_a_browser_the_trainer_breaks_a_component_and_the_trainee_sees_it_within_a_second(
    page: Page, tmp_path: Path
) -> None:

    url = f"http://127.0.0.1:{page.port}/"
    trainer, trainee = _browser(), _browser()
    try:
        for driver in (trainer, trainee):
            driver.get(url)
            _wait(lambda d=driver: d.find_element(By.ID, "link").text == "live")
            _wait(lambda d=driver: _row_state(d, "ics2_sti") == "up")
        assert not trainee.find_element(By.ID, "trainer").is_displayed()  # read-only without the key

        trainer.find_element(By.ID, "key").send_keys(KEY)
        trainer.find_element(By.CSS_SELECTOR, "#key-form button").click()
        _wait(lambda: trainer.find_element(By.ID, "trainer").is_displayed())
        Select(trainer.find_element(By.ID, "f-kind")).select_by_visible_text("down")
        _wait(lambda: len(Select(trainer.find_element(By.ID, "f-component")).options) > 1)
        Select(trainer.find_element(By.ID, "f-component")).select_by_visible_text("ics2_sti")
        trainer.find_element(By.CSS_SELECTOR, "#inject button").click()
        _wait(lambda: trainer.find_element(By.ID, "inject-note").text.startswith("injected"))
        seen_after = _wait(lambda: _row_state(trainee, "ics2_sti") == "down", timeout_s=5)
        assert seen_after < 1.0, f"the trainee's page showed it {seen_after:.2f} s after the trainer's"

        # A typo in the form: the message beside it, nothing injected.
        trainer.find_element(By.ID, "f-duration").send_keys("soon")
        trainer.find_element(By.CSS_SELECTOR, "#inject button").click()
        _wait(lambda: "duration" in trainer.find_element(By.ID, "inject-note").text)
        assert "error" in trainer.find_element(By.ID, "inject-note").get_attribute("class")
        trainee.save_screenshot(str(tmp_path / "trainee.png"))
        assert (tmp_path / "trainee.png").stat().st_size > 10_000
    finally:
        trainer.quit()
        trainee.quit()


def _text(driver: Any, element_id: str) -> str:
    return str(driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.textContent : '';",
                                     element_id))  # fmt: skip


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: $SECOURS_SCREENSHOTS (the README's are made so), else the test's folder."""
    folder = Path(os.environ.get("SECOURS_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium and its driver are needed: apt-get install -y chromium chromium-driver",
)
def test_in_a_browser_a_trainee_files_the_olga_request_and_the_scorecard_credits_it(
    tmp_path: Path, broker: SessionBroker, prefix: str
) -> None:
    """A trainee plays P002's desk: the trainer takes its platform down, the trainee sees it within a
    second, files the assistance request through the form (a malformed EORI is refused beside its
    field first), the trainer ends the exercise, and the scorecard credits the request as done."""
    actor = "edi_provider:P002"
    after = tmp_path / "after"
    with _serve(tmp_path, broker, prefix, "--human", actor, "--out", str(after)) as served:
        page = served.page
        line = next(x for x in served.lines if "trainee desk" in x)
        assert f"?desk={actor}" in line
        desk_key = line.rsplit("desk key ", 1)[1].strip()
        url = f"http://127.0.0.1:{page.port}/"
        trainer, trainee = _browser(), _browser()
        shots = _shots(tmp_path)
        try:
            trainer.get(url)
            trainee.get(f"{url}?desk={actor}")
            for driver in (trainer, trainee):
                _wait(lambda d=driver: d.find_element(By.ID, "link").text == "live")
            _wait(lambda: _text(trainee, "d-platform") == "up")
            assert not trainee.find_element(By.ID, "trainer").is_displayed()
            assert not trainer.find_element(By.ID, "desk").is_displayed()  # no desk without ?desk=

            trainer.find_element(By.ID, "key").send_keys(KEY)
            trainer.find_element(By.CSS_SELECTOR, "#key-form button").click()
            _wait(lambda: trainer.find_element(By.ID, "trainer").is_displayed())
            Select(trainer.find_element(By.ID, "f-kind")).select_by_visible_text("down")
            trainer.find_element(By.ID, "f-actor").send_keys(actor)
            trainer.find_element(By.CSS_SELECTOR, "#inject button").click()
            _wait(lambda: trainer.find_element(By.ID, "inject-note").text.startswith("injected"))
            seen_after = _wait(lambda: _text(trainee, "d-platform") == "down", timeout_s=5)
            assert seen_after < 1.0, f"the trainee's desk showed it {seen_after:.2f} s after the trainer's"

            # Without the desk key the form is refused; with it, a malformed EORI gets its message beside the field.
            trainee.find_element(By.ID, "o-file").click()
            _wait(lambda: "desk key" in trainee.find_element(By.ID, "olga-note").text)
            trainee.find_element(By.ID, "d-key").send_keys(desk_key)
            trainee.find_element(By.CSS_SELECTOR, "#desk-key-form button").click()
            for box in trainee.find_elements(By.CSS_SELECTOR, ".o-client"):
                box.click()
            trainee.find_element(By.ID, "o-other").send_keys("fr-12")
            trainee.find_element(By.ID, "o-file").click()
            try:
                _wait(lambda: "not an EORI" in _text(trainee, "err-clients"))
            except AssertionError as exc:
                note = _text(trainee, "olga-note")
                raise AssertionError(f"no message beside the clients; the form's note: {note}") from exc
            assert page.state()["desks"][actor]["requests"] == []  # nothing filed
            trainee.find_element(By.ID, "o-other").clear()
            trainee.find_element(By.ID, "o-symptom").send_keys("no ENS can be relayed")
            trainee.find_element(By.ID, "o-text").send_keys("Our EDI platform is down; all our clients are listed.")
            trainee.find_element(By.ID, "o-file").click()
            _wait(lambda: "filed at" in trainee.find_element(By.ID, "olga-note").text)
            assert _text(trainee, "err-clients") == ""
            _wait(lambda: "provider_outage" in _text(trainee, "d-requests"))
            trainee.save_screenshot(str(shots / "gameday-trainee-desk.png"))

            trainer.find_element(By.ID, "end").click()
            _wait(lambda: "Scorecard of edi_provider:P002" in _text(trainee, "cards"), timeout_s=90)
            cells = trainee.execute_script(
                "return [...document.querySelectorAll('#cards table tbody tr')].map("
                "r => [...r.querySelectorAll('td')].map(td => td.textContent));"
            )
            credited = [c for c in cells if c[1].startswith("OLGA request about your platform's outage")]
            assert credited and credited[0][0] == "done", cells
            assert "ICS2-FR-S1-PROVIDER-DOWN#1 pass" in credited[0][6]
            trainee.save_screenshot(str(shots / "gameday-scorecard.png"))
        finally:
            trainer.quit()
            trainee.quit()
        status, report = page.call("GET", "/api/report")
        assert status == 200 and report["scorecards"][0]["done"] >= 1, report
    (card,) = json.loads((after / "scorecards.json").read_text())
    assert card["actor"] == actor and card["steps"][0]["status"] == "done"
    assert (after / "report.html").is_file() and (after / "journal.jsonl.gz").is_file()


def test_a_trainees_forms_over_http(tmp_path: Path, broker: SessionBroker, prefix: str) -> None:
    """The desk's API as a script would use it: keys, unknown desks, a bad field, a help-desk contact."""
    actor = "edi_provider:P001"
    with _serve(tmp_path, broker, prefix, "--human", actor, "--out", str(tmp_path / "after")) as served:
        page = served.page
        desk_key = next(x for x in served.lines if "trainee desk" in x).rsplit("desk key ", 1)[1].strip()
        clients = [c["eori"] for c in page.state()["desks"][actor]["clients"]]
        status, answer = page.call("POST", "/api/faults", {"kind": "down", "scope": {"actor": actor}}, key=KEY)
        assert status == 201, answer
        down_at = datetime.fromisoformat(page.state()["sim_time"].replace("Z", "+00:00"))
        good = {"kind": "client_outage", "clients": clients[:1], "since": "2026-03-02 00:10", "component": "its IT"}
        assert page.call("POST", f"/api/desk/{actor}/olga", good, key=KEY)[0] == 403  # the trainer's key: not a desk's
        assert page.call("POST", f"/api/desk/{actor}/olga", good)[0] == 403
        status, answer = page.call("POST", "/api/desk/edi_provider:P002/olga", good, key=desk_key)
        assert status == 404 and "no trainee plays 'edi_provider:P002'" in answer["error"]
        status, answer = page.call("POST", f"/api/desk/{actor}/olga", {**good, "since": "2026-13-02"}, key=desk_key)
        assert status == 422 and set(answer["fields"]) == {"since"}, answer
        status, answer = page.call("POST", f"/api/desk/{actor}/olga", good, key=desk_key)
        assert status == 201, answer
        da_id = answer["message"].split()[0]
        _wait(lambda: [r["id"] for r in page.state()["desks"][actor]["requests"]] == [da_id])
        contact = {"request": da_id, "purpose": "report", "channel": "phone", "text": "back"}
        status, answer = page.call("POST", f"/api/desk/{actor}/sau", contact, key=desk_key)
        assert status == 201 and da_id in answer["message"], answer
        status, answer = page.call("POST", f"/api/desk/{actor}/meteo", {"channel": "web"}, key=desk_key)
        assert status == 201 and "météo consulted" in answer["message"], answer
        status, answer = page.call("POST", f"/api/desk/{actor}/meteo", {"channel": "fax"}, key=desk_key)
        assert status == 422 and set(answer["fields"]) == {"channel"}, answer
        assert page.call("POST", f"/api/desk/{actor}/telex", {}, key=desk_key)[0] == 404
        # The simulated staff would have filed their outage request within detect.self + the longest filing
        # delay (5 + 15 min): the desk is the trainee's, and only the trainee's request is there.
        _wait(lambda: datetime.fromisoformat(page.state()["sim_time"].replace("Z", "+00:00"))
              > down_at + timedelta(minutes=21), timeout_s=60)  # fmt: skip
        assert [r["id"] for r in page.state()["desks"][actor]["requests"]] == [da_id]
        assert page.call("POST", "/api/end", {}, key=desk_key)[0] == 403  # a trainee cannot end the exercise
        assert page.call("GET", "/api/report")[0] == 409
        assert page.call("POST", "/api/end", {}, key=KEY)[0] == 200
        _wait(lambda: page.call("GET", "/api/report")[0] == 200, timeout_s=90)
        status, answer = page.call("POST", f"/api/desk/{actor}/olga", good, key=desk_key)
        assert status == 409  # the exercise is over
    (card,) = json.loads((tmp_path / "after" / "scorecards.json").read_text())
    assert card["records"] == 3  # the request, the help-desk contact, the look at the météo


def test_a_trainee_at_the_cid_publishes_the_alert_and_the_notices(
    tmp_path: Path, broker: SessionBroker, prefix: str
) -> None:
    """customs_desk_fr:CID played: the Automate de sûreté goes down, the simulated CID publishes nothing,
    the trainee opens the alert and warns every provider and the Commission, and the scorecard says so."""
    actor = "customs_desk_fr:CID"
    with _serve(tmp_path, broker, prefix, "--human", actor, "--out", str(tmp_path / "after")) as served:
        page = served.page
        desk_key = next(x for x in served.lines if "trainee desk" in x).rsplit("desk key ", 1)[1].strip()
        status, answer = page.call("POST", "/api/faults", {"kind": "down", "scope": {"component": "ics2_nes_fr"}},
                                   key=KEY)  # fmt: skip
        assert status == 201, answer

        def silent_for() -> float:
            beats = {b["component"]: b["silent_s"] for b in page.state()["desks"][actor]["beats"]}
            return float(beats.get("ics2_nes_fr", 0))

        _wait(lambda: silent_for() > 8 * 60, timeout_s=60)  # past detect.self: the simulated CID would have spoken
        assert page.state()["alerts"] == []
        form = {"phase": "open", "component": "ics2_nes_fr", "services": "ICS2", "modes": ["EDI", "DTI"],
                "symptoms": "ENS get no risk analysis", "instructions": "fiche n°9"}  # fmt: skip
        status, answer = page.call("POST", f"/api/desk/{actor}/alert", {**form, "modes": []}, key=desk_key)
        assert status == 422 and set(answer["fields"]) == {"modes"}, answer
        status, answer = page.call("POST", f"/api/desk/{actor}/alert", form, key=desk_key)
        assert status == 201, answer
        alert_id = answer["message"].split()[1]
        _wait(lambda: [a["id"] for a in page.state()["alerts"]] == [alert_id])
        notice = {"kind": "outage", "alert": alert_id, "commission": True}
        status, answer = page.call("POST", f"/api/desk/{actor}/notices", notice, key=desk_key)
        assert status == 201 and "sent to" in answer["message"], answer
        providers = len(page.state()["desks"][actor]["providers"])
        _wait(lambda: len(page.state()["desks"][actor]["sent"]) == providers + 1)
        assert page.call("POST", "/api/end", {}, key=KEY)[0] == 200
        _wait(lambda: page.call("GET", "/api/report")[0] == 200, timeout_s=90)
    (card,) = json.loads((tmp_path / "after" / "scorecards.json").read_text())
    steps = {s["step"]: s for s in card["steps"]}
    opened = steps["météo alert opened on the Automate de sûreté"]
    assert opened["status"] == "done" and opened["record"] == alert_id, opened
    # From the outage's start, not from the trainee's action: the page said 8 min of silence, counted from
    # the last heartbeat, which came up to a heartbeat interval before the fault.
    assert opened["took_s"] >= 6 * 60
    told = steps["outage notice to every EDI provider"]
    assert told["status"] == "done" and told["checks"][0]["status"] == "pass", told
    assert steps["the Commission told, for the other Member States"]["status"] == "done"


def test_the_peoples_feed_shows_the_on_call_teams_finding() -> None:
    """A board without a broker: the on-call team's answer to a night-time self-trigger call is in the feed."""
    world = World(RunConfig(seed=3, traffic=Traffic(consignments=5, traders=2, providers=1)))
    board = Board(world, lambda: world.config.start)
    answer = SauDiagnosis(diagnosis_id="d1", da_id="DA-20260302-000007", to="FR12345678901234", service="DELTA_G",
                          origin="customs", finding="DELTA_G takes no declaration", at=world.config.start)  # fmt: skip
    board.note("sau.answers", answer.da_id, "d1", answer)
    board.note("sau.answers", answer.da_id, "d1", answer)  # read again: once in the feed
    (shown,) = board.feed
    assert shown["kind"] == "help desk" and "customs' side" in shown["text"] and "DA-20260302-000007" in shown["text"]
