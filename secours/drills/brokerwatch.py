"""Notices, during a drill, a broker that died or came back without the run's records.

Apache Kafka keeps its log on disk: killed and restarted (the ``broker_kill`` fault, or by
hand), it comes back with every record and offset, and the drill goes on. Tansu keeps everything
in memory: after a restart every topic of the run is gone, services would wait for records that
no longer exist, and the drill would end on meaningless verdicts after its full wall time. The
watch ends such a drill at once, with a message that says what happened.

Two signs, looked at every ``_EVERY_S`` wall seconds:
- the broker process secours started is no longer running at two looks in a row, and no fault of
  the drill stopped it (at one look only, it may have been restarted in between);
- the control topic, which holds the run's announcement from the start, is empty again (or
  gone): the broker restarted without its data. This one works for brokers secours did not start
  (``--bootstrap``) too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from secours.bus.brokers import RunningBroker
from secours.bus.kafka import KafkaBus
from secours.clock import WallClock
from secours.errors import BrokerUnavailable

__all__ = ["BrokerWatch"]

logger = logging.getLogger(__name__)

_EVERY_S = 1.0
_ASK_TIMEOUT_S = 3.0


class BrokerWatch:
    def __init__(
        self, bus: KafkaBus, control_topic: str, launched: RunningBroker | None, planned: Callable[[], bool]
    ) -> None:
        self.bus = bus
        self.control_topic = control_topic
        self.launched = launched
        self.planned = planned  # whether a fault of the drill is acting on the broker now
        self.problem: str | None = None
        self._last = 0.0
        self._gone = False  # the launched process was not running at the last look

    def _name(self) -> str:
        if self.launched is None:
            return "the broker"
        kind = "Apache Kafka" if self.launched.kind == "kafka" else "Tansu"
        return f"the {kind} broker (pid {self.launched.pid})"

    def _lost_everything(self) -> str:
        memory = self.launched is not None and self.launched.kind == "tansu"
        why = (
            "Tansu keeps topics in memory, so a restart loses every record and offset of the run"
            if memory
            else "it restarted without its data"
        )
        return (
            f"{self._name()} lost the run's records (the control topic is empty again): {why}; the drill cannot "
            "be judged. Drills that restart the broker need Apache Kafka (--broker kafka)."
        )

    async def check(self) -> str | None:
        """The problem, once one is seen (then for good); None while the broker is fine or planned down."""
        if self.problem is not None:
            return self.problem
        now = WallClock.wall_now()
        if now - self._last < _EVERY_S:
            return None
        self._last = now
        if self.planned():
            return None
        gone = self.launched is not None and not self.launched.is_alive()
        if gone and not self._gone:
            # Gone at one look may be a restart under way (killed, its successor not yet launched):
            # at the next look the successor runs, and the control topic says what it lost.
            self._gone = True
            return None
        self._gone = gone
        if gone and self.launched is not None:
            memory = " (and Tansu, restarted, would have lost every topic of the run)"
            self.problem = (
                f"{self._name()} stopped in the middle of the drill and no fault of the drill stopped it; "
                f"the drill cannot go on{memory if self.launched.kind == 'tansu' else ''}"
            )
            return self.problem
        with contextlib.suppress(BrokerUnavailable, TimeoutError):
            ends = await asyncio.wait_for(self.bus.end_offsets(self.control_topic), _ASK_TIMEOUT_S)
            if sum(ends.values()) == 0:
                self.problem = self._lost_everything()
        return self.problem
