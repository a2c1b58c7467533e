"""The game-day dashboard: a web page and its API, served from the run's own event loop.

``secours run --ui [HOST:]PORT`` starts it beside the services. It reads every topic of the run
(its own services' records and those of outside relays or joined processes alike) into a
:class:`~secours.gameday.board.Board`, and serves:

- ``GET /`` the page (plain HTML and JavaScript shipped in the package: no CDN, no build step);
- ``GET /api/state`` the board as JSON: components with their real and published states, alerts,
  requests, counts, the ENS flow, units without an MRN, the people's feed, faults, the clock;
- ``GET /api/events`` the same state as server-sent events, sent within a quarter of a second of a
  change, and at least every second while simulated time moves;
- ``POST /api/faults`` (a fault's fields, as in a drill file), ``POST /api/faults/{id}/clear``,
  ``POST /api/clock`` (``speed`` from 1 to 600, ``paused``) and ``POST /api/end`` (end the exercise
  and judge it): the trainer's controls. They need the trainer's key in the ``X-Secours-Key``
  header, and answer 403 without it: a trainee's browser shows the same page, read-only;
- ``POST /api/desk/{actor}/olga``, ``.../sau`` and ``.../meteo``: a trainee playing ``actor``
  (``--human``) files an OLGA assistance request, calls or e-mails the help desk, or records a look
  at the météo (the open alerts the page shows), with that desk's
  key in ``X-Secours-Key`` (:mod:`secours.gameday.desk`); a field the wire model refuses comes back
  with 422 and a message per field;
- ``GET /api/report``: the after-action report and the trainees' scorecards, once the exercise ended.

Why Starlette with sse-starlette on uvicorn: small, maintained, asyncio-native libraries that run in
the simulation's loop (no thread, no second process), with server-sent events built in; the page
needs nothing more than ``EventSource`` and ``fetch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import TYPE_CHECKING, Any

import uvicorn
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from secours.clock import WallClock, format_sim, wall_now
from secours.cloudevents import headers_for
from secours.codec import Codec
from secours.effects import Outgoing
from secours.errors import CodecError, UsageError
from secours.faults.plane import command
from secours.faults.request import fault_from_mapping
from secours.gameday.board import Board
from secours.gameday.desk import Desk, FormError, desk_key, make_desk

if TYPE_CHECKING:
    from secours.drills.engine import Simulation

__all__ = ["MAX_SPEED", "GameDay"]

logger = logging.getLogger(__name__)

KEY_HEADER = "X-Secours-Key"
MAX_SPEED = 600.0  # the fastest a room can follow: ten simulated minutes a wall second
_PUSH_EVERY_S = 0.25  # how often the event stream looks for news
_TICK_S = 1.0  # the longest it stays silent while simulated time moves


class GameDay:
    """The board of one run, fed from its topics, and the web server in front of it."""

    def __init__(self, sim: Simulation, key: str, people: tuple[str, ...] = ()) -> None:
        if not isinstance(sim.clock, WallClock):
            raise UsageError("the game-day page needs a run on the wall clock")
        self.sim = sim
        self.clock: WallClock = sim.clock
        self.key = key
        self.board = Board(sim.world, self.clock.now)
        self.desks: dict[str, Desk] = {actor: make_desk(actor, sim.world) for actor in people}
        self.ended = asyncio.Event()  # the trainer ended the exercise
        self.after_action: dict[str, Any] | None = None  # the report's summary, once judged
        self.version = 0  # bumped by every record that reaches the board and every control
        self.viewers = 0
        self._shown: tuple[int, float, str] | None = None  # (version, wall time, the state as JSON)
        self._feed: asyncio.Task[None] | None = None
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None

    # --- the board ---------------------------------------------------------------------------------

    async def _follow(self) -> None:
        """Every record of the run, from its first, into the board."""
        codec, catalog = Codec(), self.sim.catalog
        sub = await self.sim.bus.subscribe(None, self.sim.journal_topics())
        try:
            while True:
                records = await sub.poll(0.2, max_records=2000)
                for r in records:
                    try:
                        msg = codec.decode(r.value, catalog.accepted(r.topic))
                    except CodecError:
                        continue  # a malformed record is the dead-letter queue's business, not the room's
                    key = (r.key or b"").decode("utf-8", "replace")
                    self.board.note(r.topic, key, r.header("ce_id") or f"{r.topic}/{r.partition}/{r.offset}", msg)
                    for desk in self.desks.values():
                        desk.note(r.topic, r.header("ce_source") or "", msg, self.clock.now())
                if records:
                    self.version += 1
        finally:
            await sub.close()

    def state(self) -> dict[str, Any]:
        now = self.clock.now()
        clock = {"speed": self.clock.speed, "paused": self.clock.paused, "max_speed": MAX_SPEED}
        snap = self.board.snapshot(now, self.sim.services, self.sim.faults.faults, clock)
        snap["run_id"] = self.sim.run_id
        snap["viewers"] = self.viewers
        live = [a.fault for a in self.sim.faults.faults.values() if a.live(now)]
        snap["desks"] = {actor: desk.view(now, live) for actor, desk in self.desks.items()}
        snap["ended"] = self.ended.is_set()
        snap["after_action"] = self._report_shown()
        return snap

    def _report_shown(self) -> dict[str, Any] | None:
        if self.after_action is None:
            return None
        return {k: v for k, v in self.after_action.items() if k != "lines"}

    # --- the web side ------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self._page),
                Route("/api/state", self._state),
                Route("/api/events", self._events),
                Route("/api/faults", self._inject, methods=["POST"]),
                Route("/api/faults/{fault_id}/clear", self._clear, methods=["POST"]),
                Route("/api/clock", self._pace, methods=["POST"]),
                Route("/api/end", self._end, methods=["POST"]),
                Route("/api/report", self._report),
                Route("/api/desk/{actor}/{form}", self._desk, methods=["POST"]),
            ]
        )

    async def _page(self, request: Request) -> Response:
        page = resources.files("secours.gameday").joinpath("page.html").read_text(encoding="utf-8")
        return HTMLResponse(page)

    async def _state(self, request: Request) -> Response:
        return JSONResponse(self.state())

    async def _events(self, request: Request) -> Response:
        return EventSourceResponse(self._stream(request))

    async def _stream(self, request: Request) -> AsyncIterator[dict[str, str]]:
        self.viewers += 1
        try:
            sent, last = -1, 0.0
            while not await request.is_disconnected():
                moving = not self.clock.paused
                if self.version != sent or (moving and wall_now() - last >= _TICK_S):
                    sent, last = self.version, wall_now()
                    yield {"event": "state", "data": self._shared_state()}
                await asyncio.sleep(_PUSH_EVERY_S)
        finally:
            self.viewers -= 1

    def _shared_state(self) -> str:
        """The state as JSON, made once for every viewer looking within the same push interval (a room
        of viewers costs the run one snapshot per interval, not one per viewer)."""
        now = wall_now()
        if self._shown is None or self._shown[0] != self.version or now - self._shown[1] >= _PUSH_EVERY_S:
            self._shown = (self.version, now, json.dumps(self.state()))
        return self._shown[2]

    def _refused(self, request: Request, actor: str = "") -> Response | None:
        """403 unless the request carries the trainer's key (or, with ``actor``, that trainee's desk key)."""
        wanted = desk_key(self.key, actor) if actor else self.key
        given = request.headers.get(KEY_HEADER, "")
        if given and hmac.compare_digest(given.encode(), wanted.encode()):
            return None
        whose = f"the desk key of {actor}" if actor else "the trainer's key"
        return JSONResponse({"error": f"{whose} is needed for this (header X-Secours-Key)"}, 403)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise UsageError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise UsageError("the request body must be a JSON object")
        return body

    async def _inject(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        try:
            raw = await self._body(request)
            now = self.clock.now()
            raw.setdefault("start", format_sim(now))
            raw.setdefault("id", f"{raw.get('kind', 'fault')}-{format_sim(now)[11:19].replace(':', '')}")
            fault = fault_from_mapping(raw)
        except UsageError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        if fault.id in self.sim.faults.faults:
            return JSONResponse({"error": f"invalid fault: id: {fault.id!r} is already a fault of this run"}, 422)
        assert self.sim.plane is not None
        await self.sim.plane.publish_command(
            command(fault, action="INJECT", fault_id=fault.id, issued_by="trainer", now=now)
        )
        self.version += 1
        until = f" for {fault.duration}" if fault.duration else " until cleared"
        return JSONResponse(
            {"injected": fault.id, "message": f"injected {fault.id}: {fault.kind} on {fault.target}, "
             f"from {fault.start}{until}"}, 201)  # fmt: skip

    async def _clear(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        fault_id = request.path_params["fault_id"]
        if fault_id not in self.sim.faults.faults:
            return JSONResponse({"error": f"no fault {fault_id!r} in this run"}, 404)
        assert self.sim.plane is not None
        now = self.clock.now()
        await self.sim.plane.publish_command(command(None, action="CLEAR", fault_id=fault_id, issued_by="trainer",
                                                     now=now))  # fmt: skip
        self.version += 1
        return JSONResponse({"cleared": fault_id, "message": f"cleared {fault_id} at {format_sim(now)}"})

    async def _pace(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        try:
            body = await self._body(request)
            speed, paused = body.get("speed"), body.get("paused")
            if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int | float)
                                      or not 1 <= speed <= MAX_SPEED):  # fmt: skip
                raise UsageError(f"speed: a number from 1 to {MAX_SPEED:g}, got {speed!r}")
            if paused is not None and not isinstance(paused, bool):
                raise UsageError(f"paused: true or false, got {paused!r}")
        except UsageError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        await self.sim.pace(speed=float(speed) if speed is not None else None, paused=paused)
        self.version += 1
        state = "paused" if self.clock.paused else f"x{self.clock.speed:g}"
        return JSONResponse({"clock": {"speed": self.clock.speed, "paused": self.clock.paused},
                             "message": f"clock {state} at {format_sim(self.clock.now())}"})  # fmt: skip

    async def _end(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        if self.ended.is_set():
            return JSONResponse({"error": "the exercise has already ended"}, 409)
        self.ended.set()
        self.version += 1
        return JSONResponse({"message": f"exercise ended at {format_sim(self.clock.now())}: judging the run"})

    async def _report(self, request: Request) -> Response:
        shown = self._report_shown()
        if shown is None:
            why = "being judged" if self.ended.is_set() else "not ended yet"
            return JSONResponse({"error": f"no after-action report: the exercise is {why}"}, 409)
        return JSONResponse(shown)

    async def _desk(self, request: Request) -> Response:
        actor, form = request.path_params["actor"], request.path_params["form"]
        desk = self.desks.get(actor)
        if desk is None:
            played = ", ".join(self.desks) or "none (start the run with --human ROLE:ID)"
            return JSONResponse({"error": f"no trainee plays {actor!r} in this run (played: {played})"}, 404)
        if form not in desk.forms:
            known = ", ".join(f"{name} ({what})" for name, what in desk.forms.items())
            return JSONResponse({"error": f"no form {form!r}: {known}"}, 404)
        if (refused := self._refused(request, actor)) is not None:
            return refused
        if self.ended.is_set():
            return JSONResponse({"error": "the exercise has ended"}, 409)
        try:
            body = await self._body(request)
            seen = [a.alert_id for a in self.board.alerts.values() if a.phase != "end"]
            outs, message = desk.act(form, body, seen, self.clock.now())
        except FormError as exc:
            return JSONResponse({"error": str(exc), "fields": exc.fields}, 422)
        except UsageError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        for out in outs:
            await self._publish(out)
        self.version += 1
        return JSONResponse({"message": message}, 201)

    async def _publish(self, out: Outgoing) -> None:
        """A trainee's record, written as the actor's own system writes it (same topic, headers, source)."""
        value = self.sim.codec.encode(out.message)
        sent = await self.sim.bus.publish(out.topic, out.key.encode(), value, headers_for(out, self.clock.now()))
        await sent

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> str:
        """Serve on ``host:port`` (0: a free port); the page's address."""
        self._feed = asyncio.create_task(self._follow(), name="gameday-board")
        config = uvicorn.Config(self.app(), host=host, port=port, log_level="warning", lifespan="off")
        self._server = server = uvicorn.Server(config)
        self._serving = asyncio.create_task(server.serve(), name="gameday-server")
        while not server.started:
            if self._serving.done():  # uvicorn exits when it cannot listen (the port is taken...)
                with contextlib.suppress(BaseException):
                    self._serving.result()
                raise UsageError(f"the dashboard cannot listen on {host}:{port}")
            await asyncio.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        return f"http://{host}:{bound}/"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        for task in (self._serving, self._feed):
            if task is None:
                continue
            if task is self._feed:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
