"""The game-day page as a trainer and a trainee's browser use it: ``secours run --ui`` on a real broker,
its API read and driven over HTTP (the page itself only renders what ``/api/events`` sends)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from secours.gameday.board import Board
from secours.wire import SauDiagnosis
from secours.world import RunConfig, Traffic, World
from tests.conftest import SessionBroker

ROOT = Path(__file__).resolve().parents[1]
KEY = "trainer-key-for-the-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


@pytest.fixture
def page(tmp_path: Path, broker: SessionBroker, prefix: str) -> Iterator[Page]:
    drill = tmp_path / "day.yaml"
    drill.write_text(
        "drill: day\ntitle: a game day\nseed: 5\nspeed: 60\nduration_hours: 10\n"
        "traffic: {consignments: 120, providers: 2, traders: 8, first_arrival_hour: 1, last_arrival_hour: 9}\n"
    )
    port = _free_port()
    command = [sys.executable, "-m", "secours.cli.main", "run", "--drill", str(drill), "--ui", f"127.0.0.1:{port}",
               "--bootstrap", broker.bootstrap, "--prefix", prefix]  # fmt: skip
    env = {**os.environ, **broker.cli_env(), "SECOURS_CONTROL_KEY": KEY}
    with subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stderr is not None
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            if "game day: http://" in line or not line:
                break
        assert any(f"http://127.0.0.1:{port}/" in x for x in lines), "".join(lines)
        assert "SECOURS_CONTROL_KEY" in lines[-1] and KEY not in lines[-1]  # a configured key is never printed
        try:
            yield Page(port)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-2000:]


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
