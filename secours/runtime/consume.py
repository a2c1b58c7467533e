"""The consume loop: read a batch, decode it, hand each record to the logic, publish what it
produced, and have the batch committed once that is acknowledged; and dead-lettering.

Invariants:
- the service carries on whatever a record holds. A record that does not decode (body or headers)
  goes to ``secours.dlq`` with the reason. A :class:`~secours.errors.SecoursError` the logic raises
  (:class:`~secours.errors.RejectedInput`) is input the service cannot handle: dead-lettered as such.
  Any other exception is a defect of the service: logged with its traceback and dead-lettered with a
  reason starting with :data:`~secours.cloudevents.DEFECT`, which fails the run;
- when the broker stops answering (paused, killed, cut off), the service waits and reads again from
  its last committed offsets: what it had done since is done again, which its idempotent handlers
  turn into nothing new;
- faults apply here on the way in, around the logic and never inside it (:mod:`secours.faults`): a
  component down refuses, a failing one answers with an error, a queuing one leaves its input in
  Kafka (the whole component) or holds it (a scoped fault) until the fault ends. Those calls are
  all in this module: the verdict on each record in ``Consumer._handle``, the rest under "faults on
  the way in" below. The way out is the publish gate's (:mod:`secours.faults.gate`, called from
  ``ServiceContext.publish``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from secours.bus import Record, Subscription
from secours.clock import parse_sim, sleep_wall, work_timer
from secours.cloudevents import DEFECT, DLQ, check_headers
from secours.effects import Incoming, Outgoing
from secours.errors import BrokerUnavailable, CodecError, DecodeError, SecoursError
from secours.faults.consume import ConsumeGate
from secours.faults.gate import Release
from secours.runtime.base import PAUSE_POLL_S, RECONNECT_S, Logic, Part
from secours.wire import DeadLetter

if TYPE_CHECKING:
    from secours.runtime.context import ServiceContext

__all__ = ["Consumer"]


class Consumer(Part):
    """Reads a service's topics and hands each record to its logic; holds what a fault holds back."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        # Faults on the way in (secours.faults.consume): refused, answered with an error, or held
        # until the fault that holds it ends.
        self.gate = ConsumeGate(ctx.name, ctx.faults)

    # --- the loop ----------------------------------------------------------------------------------

    async def _consume(self, logic: Logic, topics: Sequence[str]) -> None:
        """Read, handle, publish, and commit each batch once its effects are acknowledged.

        When the broker stops answering (paused, killed, cut off), the service waits and reads
        again from its last committed offsets: what it had done since is done again, which its
        idempotent handlers turn into nothing new.
        """
        acks, recovery = self.ctx._acks, self.ctx._recovery
        while True:
            sub: Subscription | None = None
            try:
                sub = await self.ctx.bus.subscribe(self.name, topics, start=recovery.resume_at)
                self.ctx.subscription = sub
                await recovery.start_reading(logic, sub)
                await self._consume_from(logic, sub)
            except BrokerUnavailable as exc:
                self.log.warning("%s: broker unavailable (%s); reading again from the last commit", self.name, exc)
                acks.lost()
                await sleep_wall(RECONNECT_S)
            finally:
                self.ctx.subscription = None
                await acks.close(sub)

    async def _consume_from(self, logic: Logic, sub: Subscription) -> None:
        acks, recovery = self.ctx._acks, self.ctx._recovery
        try:
            while True:
                acks.check()  # a commit that failed: BrokerUnavailable, read again from the last one
                if self._paused() is not None:
                    # Queue-and-replay: leave the input in Kafka; it is read, in order, once the fault ends.
                    await sleep_wall(PAUSE_POLL_S)
                    continue
                await self._replay_held(logic)
                records = await sub.poll(0.1)
                if records:
                    recovery.in_batch = True
                    for record in records:
                        await self._handle(logic, record)
                    recovery.in_batch = False
                    self._commit_later(sub, logic)
                if recovery.catching_up:
                    await recovery.check_caught_up(logic, sub)
        finally:
            recovery.in_batch = False
            acks.let_go()

    def _commit_later(self, sub: Subscription, logic: Logic) -> None:
        """Commit this batch once the broker has acknowledged everything it produced (at-least-once),
        in the background (:mod:`secours.runtime.acks`). A checkpoint is taken now if one may be, and
        written before the commit."""
        recovery = self.ctx._recovery
        offsets = sub.consumed()
        if recovery.read_to is not None:
            recovery.read_to.update(offsets)
            offsets = dict(recovery.read_to)
        self.ctx._acks.link(recovery.capture(logic), sub, offsets)

    # --- one record --------------------------------------------------------------------------------

    def _decode(self, record: Record) -> Incoming:
        ctx = self.ctx
        message = ctx.codec.decode(record.value, ctx.catalog.accepted(record.topic))
        ce_time = record.header("ce_time")
        try:
            sent_at = parse_sim(ce_time) if ce_time else None
        except ValueError:  # garbage headers are bad input like a garbage body: dead-lettered, not fatal
            raise DecodeError(f"header ce_time is not an ISO 8601 time: {(ce_time or '')[:40]!r}") from None
        check_headers(record, message.ce_type)
        return Incoming(
            topic=record.topic,
            message=message,
            ce_id=record.header("ce_id") or f"{record.topic}/{record.partition}/{record.offset}",
            source=record.header("ce_source") or "",
            time=sent_at,
        )

    async def _handle(self, logic: Logic, record: Record, now: datetime | None = None) -> None:
        now = self.clock.now() if now is None else now
        try:
            incoming = self._decode(record)
        except CodecError as exc:
            await self.dead_letter(record, str(exc), now)
            return
        if self.ctx.observe is not None:
            key = (record.key or b"").decode("utf-8", "replace")
            self.ctx.observe(record.topic, key, incoming.ce_id, incoming.message)
        verdict = self.gate.admit(incoming, now)
        if verdict.action == "drop":
            self.ctx.stats.count(record.topic, "refused")  # down: refused, the sender has to try again
            return
        if verdict.action == "error":
            await self.dead_letter(record, f"fault {verdict.fault_id}: {self.name} answered with an error", now)
            return
        if verdict.action == "hold":
            self.ctx.stats.count(record.topic, "held")  # kept by the consume gate until its fault ends
            return
        if self.ctx._recovery.read_again(incoming):
            self.ctx.stats.count(record.topic, "replayed")
            await self.ctx._recovery.replay(logic, incoming, record)
            return
        await self._process(logic, incoming, record, now)

    async def _process(self, logic: Logic, incoming: Incoming, record: Record | None, now: datetime) -> None:
        began = work_timer()
        try:
            effects = logic.handle(incoming, now)
        except SecoursError as exc:
            # A record that is valid Avro but makes no sense to the logic must not stop the service.
            self.log.warning("%s: cannot handle %s: %s", self.name, incoming.message.ce_type, exc)
            if record is not None:
                await self.dead_letter(record, f"cannot handle {incoming.message.ce_type}: {exc}", now)
            return
        except Exception as exc:  # any other exception is a defect of the service
            # It must not pass for poison input: logged with its traceback and dead-lettered as a
            # defect, which fails the run (secours.drills.summary); the service goes on, losing nothing.
            self.log.exception("%s: defect while handling %s", self.name, incoming.message.ce_type)
            if record is not None:
                reason = f"{DEFECT} {self.name} handling {incoming.message.ce_type}: {type(exc).__name__}: {exc}"
                await self.dead_letter(record, reason, now)
            return
        self.ctx.stats.timed(work_timer() - began)
        self.ctx.stats.count(incoming.topic, "handled")
        # Stepped: what the input causes happens at its instant. Wall: it is sent now, also when the
        # input is read again after a restart at the instant it was first sent (see Recovery.replay).
        await self.ctx.apply(effects, now if self.ctx.stepper is not None else None)

    async def dead_letter(self, record: Record, reason: str, now: datetime) -> None:
        self.ctx.stats.count(record.topic, "dead_lettered")
        self.log.info(
            "%s: dead-lettered %s/%s@%s: %s", self.name, record.topic, record.partition, record.offset, reason
        )
        letter = DeadLetter(
            service=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            reason=reason,
            dead_at=now,
        )
        key = (record.key or b"").decode("utf-8", "replace")
        out = Outgoing(DLQ, key, f"{self.name}/{record.topic}/{record.partition}/{record.offset}", self.name, letter)
        await self.ctx._send([Release(out, False)], now)

    # --- faults on the way in (secours.faults) -----------------------------------------------------

    def _paused(self, now: datetime | None = None) -> datetime | None:
        """Until when the whole component's input waits (queue-and-replay), if it does at ``now``."""
        return self.gate.paused_until(self.clock.now() if now is None else now)

    async def _replay_held(self, logic: Logic, now: datetime | None = None) -> None:
        """Input held by a scoped queue-and-replay fault is processed once that fault has ended."""
        if not self.gate.held:
            return
        if self.ctx.stepper is None:
            await self._handle_held(logic, self.clock.now())
            await self.ctx.flush()
            self.ctx._recovery.checkpoint_later(logic)
        else:
            await self._handle_held(logic, self.clock.now() if now is None else now)

    async def _handle_held(self, logic: Logic, now: datetime) -> None:
        for incoming in self.gate.released(now):
            await self._process(logic, incoming, None, now)

    def held_until(self) -> datetime | None:
        """When the first input held by a fault may be handled: the earliest end of those faults."""
        return self.gate.held_until()
