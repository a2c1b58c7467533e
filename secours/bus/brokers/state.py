"""Records of detached brokers, so that ``secours broker stop|status`` finds what ``start`` left running.

One JSON file per kind at ``cache_dir()/brokers/<kind>.json``. A record whose process is gone, or
whose pid now belongs to some other program, is stale: reading it deletes it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from secours.bus.brokers import BrokerKind, RunningBroker, cache_dir
from secours.errors import UsageError

__all__ = ["clear_state", "load_state", "save_state", "state_path"]

logger = logging.getLogger(__name__)


def state_path(kind: BrokerKind) -> Path:
    """Where the record of the detached ``kind`` broker lives."""
    if kind not in get_args(BrokerKind):
        raise UsageError(f"unknown broker kind {kind!r}; expected one of {', '.join(get_args(BrokerKind))}")
    return cache_dir() / "brokers" / f"{kind}.json"


def save_state(b: RunningBroker) -> Path:
    """Write the record of ``b`` (atomically: a reader never sees half a file) and return its path."""
    path = state_path(b.kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "kind": b.kind,
        "bootstrap": b.bootstrap,
        "pid": b.pid,
        "data_dir": None if b.data_dir is None else str(b.data_dir),
        "log_file": None if b.log_file is None else str(b.log_file),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{b.kind}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=2)
            out.write("\n")
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _optional_path(value: Any) -> Path | None:
    return None if value is None else Path(str(value))


def load_state(kind: BrokerKind) -> RunningBroker | None:
    """The recorded ``kind`` broker if it still runs; otherwise None, and the stale record is removed."""
    path = state_path(kind)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        broker = RunningBroker(
            kind=kind,
            bootstrap=str(record["bootstrap"]),
            pid=int(record["pid"]),
            data_dir=_optional_path(record.get("data_dir")),
            log_file=_optional_path(record.get("log_file")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        logger.warning("removing unreadable broker record %s: %s", path, exc)
        path.unlink(missing_ok=True)
        return None
    if record.get("kind") != kind or not broker.is_alive():
        logger.info("removing stale %s broker record %s (pid %s is not that broker)", kind, path, broker.pid)
        path.unlink(missing_ok=True)
        return None
    return broker


def clear_state(kind: BrokerKind) -> None:
    """Forget the recorded ``kind`` broker (after stopping it). No error if there is no record."""
    state_path(kind).unlink(missing_ok=True)
