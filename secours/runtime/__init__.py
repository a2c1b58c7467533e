"""Runs a service's pure logic against the bus: decode, handle, publish, commit; and timers.

The loop is the same for every service, so the guarantees are written once:
- a record that does not decode goes to ``secours.dlq`` with the reason, and the service carries
  on; input the logic refuses (a :class:`~secours.errors.SecoursError`) too; any other exception
  the logic raises is a defect, dead-lettered with a reason starting with the DEFECT marker;
- offsets are committed only after everything a batch produced is acknowledged (at-least-once);
- timers fire at simulated instants, through the shared :class:`~secours.clock.WallClock`;
- with a :class:`~secours.checkpoint.StateStore`, the state is checkpointed between batches and a
  restarted instance comes back with it and reads on from where the checkpoint was taken;
- faults apply here, around the logic and never inside it: on the way in (a component down
  refuses, a queuing one waits, a failing one answers with an error) and on the way out
  (:mod:`secours.faults.gate`: held, delayed, dropped, duplicated, corrupted, reordered).

:class:`ServiceContext` (``context.py``) is what a service's ``run`` receives, a façade over parts:
``timers.py`` (the timer loop), ``acks.py`` (the acknowledgement chain), ``recovery.py``
(checkpoints, restore and catch-up), ``consume.py`` (the consume loop, faults on the way in,
dead-lettering); ``base.py`` holds the :class:`Logic` protocol they share.
"""

from __future__ import annotations

import logging

from secours.runtime.base import Logic
from secours.runtime.context import HEALTH as HEALTH
from secours.runtime.context import ServiceContext

__all__ = ["Logic", "ServiceContext"]

logger = logging.getLogger(__name__)
