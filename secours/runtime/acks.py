"""The acknowledgement chain: a service's offsets are committed, and its checkpoints written, only
once the broker has everything they cover.

Why the order. Delivery is at-least-once: a committed offset says that everything the records
before it caused is done. Committed before the broker acknowledged what a batch produced, a crash
in between loses that output for good (the restarted instance reads on past its cause). So each
link of the chain waits for the link before it, then for the records sent before it, then writes
its checkpoint, then commits its offsets. In that order a checkpoint never covers output the
broker does not have, and a commit never goes past a checkpoint (a restarted instance comes back
from the checkpoint and reads on from its positions).

Why in the background. The next batch is read and handled while the acknowledgements travel:
waiting for them before reading again put a produce and a commit round trip into every hop's
latency.

Why two links at most: the one under way, and one gathering what comes while it waits (every
record sent meanwhile, the newest checkpoint, which supersedes an older one not yet written, and
the newest positions). A link per batch piled up whenever batches came faster than a commit's
round trip, each holding its batch's futures, offsets and checkpoint, and the memory grew without
end (docs/performance.md, "The cause: the acknowledgement chain grew a link per batch").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from secours.bus import Subscription
from secours.errors import BrokerUnavailable
from secours.runtime.base import Part
from secours.wire import StateChunk

if TYPE_CHECKING:
    from secours.runtime.context import ServiceContext

__all__ = ["AckChain"]

_CLOSE_WAIT_S = 5.0  # wall seconds a stopped service's consumer stays open for its last commit
# What stopped services leave finishing (their last acknowledgement link, closing their consumer):
# referenced until done, their errors observed (a stopped service's failed commit is nobody's error).
_DETACHED: set[asyncio.Task[None]] = set()


def _detach(task: asyncio.Task[None]) -> None:
    _DETACHED.add(task)
    task.add_done_callback(_forget)


def _forget(task: asyncio.Task[None]) -> None:
    _DETACHED.discard(task)
    if not task.cancelled():
        task.exception()


async def _close_after(last: asyncio.Task[None], sub: Subscription) -> None:
    await asyncio.wait({last}, timeout=_CLOSE_WAIT_S)
    with contextlib.suppress(BrokerUnavailable):
        await sub.close()


@dataclass
class _Acks:
    """What one link of the acknowledgement chain settles, writes and commits. Gathered while the
    link waits for the one before: what comes meanwhile joins it instead of making a new link."""

    pending: list[Awaitable[object]] = field(default_factory=list)
    pieces: list[StateChunk] | None = None  # the newest checkpoint taken: it supersedes an older one
    sub: Subscription | None = None
    offsets: dict[tuple[str, int], int] | None = None  # the newest positions to commit


class AckChain(Part):
    """The records a service sent and not yet acknowledged, and the links that settle them."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.unacked: list[Awaitable[object]] = []  # sent, in no link yet
        self.chain: asyncio.Task[None] | None = None  # the last link
        self.gathering: _Acks | None = None  # what the last link will settle, while it waits
        self.unfinished: asyncio.Task[None] | None = None  # the last link, left running as reading stopped

    async def flush(self) -> None:
        """Wait until the broker has every record this service published (not other services')."""
        pending, self.unacked = self.unacked, []
        if pending:
            await self.ctx.bus.settle(pending)

    def link(
        self,
        pieces: list[StateChunk] | None,
        sub: Subscription | None = None,
        offsets: dict[tuple[str, int], int] | None = None,
    ) -> None:
        """Add what was sent until now, this checkpoint and these offsets to the acknowledgement
        chain: to the link still gathering, or to a new one."""
        acks = self.gathering
        if acks is None:
            acks = self.gathering = _Acks()
            self.chain = asyncio.create_task(self._settle_link(acks, self.chain), name=f"{self.name}-commit")
        acks.pending.extend(self.unacked)
        self.unacked = []
        if pieces is not None:
            acks.pieces = pieces
        if sub is not None and offsets is not None:
            acks.sub, acks.offsets = sub, offsets

    async def _settle_link(self, acks: _Acks, previous: asyncio.Task[None] | None) -> None:
        try:
            if previous is not None:
                await previous
        finally:
            if self.gathering is acks:
                self.gathering = None  # under way: what comes next makes a new link
        if acks.pending:
            await self.ctx.bus.settle(acks.pending)
        if acks.pieces is not None and self.store is not None:
            await self.store.write(acks.pieces)
        if acks.sub is not None and acks.offsets is not None:
            await acks.sub.commit(acks.offsets)
            self.ctx._recovery.committed(acks.offsets)

    # --- as the consume loop reads, loses the broker, stops -----------------------------------------

    def check(self) -> None:
        """Raise the error of the last link, if it is done and failed: a commit that failed
        (BrokerUnavailable) makes the service read again from the last one."""
        if self.chain is not None and self.chain.done():
            chain, self.chain = self.chain, None
            chain.result()

    def lost(self) -> None:
        """The broker stopped answering: what was sent and not acknowledged, the chain, are dropped."""
        self.unacked.clear()
        self.chain, self.gathering = None, None

    def let_go(self) -> None:
        """Reading stopped: the last link is left to finish or fail on its own, like a request already
        on the wire (cancelled in the middle of a commit, aiokafka's own request task would be left
        failing unobserved)."""
        last, self.chain, self.gathering = self.chain, None, None
        if last is not None and not last.done():
            _detach(last)
            self.unfinished = last

    async def close(self, sub: Subscription | None) -> None:
        """Close the consumer ``sub``, once the link under way is done: closing it first fails that
        commit with an error in the log. Stopping itself is not held up (a crash is a kill -9)."""
        last, self.unfinished = self.unfinished, None
        if sub is not None and last is not None:
            _detach(asyncio.create_task(_close_after(last, sub), name=f"{self.name}-closing"))
        elif sub is not None:
            with contextlib.suppress(BrokerUnavailable):
                await sub.close()
