"""A loopback TCP proxy that disturbs the path between the services and the Kafka broker.

Why a proxy in Python: the machines secours runs on have no ``tc netem`` in the kernel (and no root to
use it), and there is no Toxiproxy server in the registries we can install from (BROKER.md §4). What is
left is to put a small asyncio proxy between the clients and the broker and misbehave in it:

- ``pass``       forward bytes both ways;
- ``latency``    delay every chunk by ``latency_ms`` ± ``jitter_ms`` (seeded), keeping each direction's order;
- ``blackhole``  keep connections open but let no byte through until the hole closes; what was sent
                 meanwhile is delivered then, as TCP retransmits it after a real path outage (requests
                 that outlive the client's timeout are given up by the client, nothing is refused);
- ``reset``      abort every connection with a TCP RST, and reset new ones as soon as they are accepted;
- ``refuse``     close the listening socket (connects get ECONNREFUSED) and reset existing connections.

The broker must advertise the proxy's port (``start_broker(..., advertised_port=proxy_port)``): Kafka
clients bootstrap once and then connect to the addresses in the Metadata answer, so a broker advertising
its own port would be reached directly after the first call and the proxy would disturb nothing.

Everything runs on the event loop that called :meth:`TcpProxy.start`; :meth:`TcpProxy.set_mode` is
synchronous (a fault plane flips modes from plain code) but must be called from that loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
from types import TracebackType
from typing import Literal, get_args

from secours.bus.brokers.ports import reserve_port

__all__ = ["ProxyMode", "TcpProxy"]

logger = logging.getLogger(__name__)

ProxyMode = Literal["pass", "latency", "blackhole", "reset", "refuse"]

_HOST = "127.0.0.1"
_CHUNK = 64 * 1024
# Chunks waiting for their delivery time, per direction. Bounded so that a slow side under latency
# pushes back on the other (the reader stops reading, TCP flow control does the rest) instead of the
# proxy buffering without limit.
_QUEUE_CHUNKS = 256
_BACKLOG = 128
_CONNECT_TIMEOUT_S = 5.0
# SO_LINGER on with a zero timeout: close() then sends a RST instead of a FIN, which is what a reset
# fault means (the peer sees ECONNRESET, not an orderly end of stream).
_LINGER_RST = struct.pack("ii", 1, 0)

_STAT_KEYS = (
    "connections_accepted",
    "connections_refused",
    "connections_reset",
    "bytes_up",
    "bytes_down",
    "chunks_delayed",
    "chunks_blackholed",
)
# Why hold rather than discard: a Kafka connection is one byte stream of length-prefixed frames.
# Dropping bytes from the middle of a live stream desynchronises the framing for good (the client
# reads a response header out of some other frame and fails with a correlation-id error long after
# the fault), which no network does: a lost packet is retransmitted by TCP, in order.


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close ``writer``'s connection with a RST (best effort: the socket may already be gone)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    writer.transport.abort()


class _Link:
    """One accepted client connection, its upstream connection, and the four tasks moving bytes."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.closed = False
        self.eofs = 0

    def close(self, *, reset: bool) -> None:
        """Close both sides (with a RST when ``reset``) and cancel the tasks; idempotent."""
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.upstream):
            if writer is None:
                continue
            if reset:
                _abort(writer)
            else:
                writer.close()
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()


class TcpProxy:
    """Forward ``127.0.0.1:listen_port`` to ``target_host:target_port``, disturbed as :attr:`mode` says.

    ``listen_port`` None picks a free port at :meth:`start` (0 until then). ``seed`` fixes the jitter
    draws, so a drill replays with the same delays for the same chunk sequence.
    """

    def __init__(self, target_host: str, target_port: int, *, listen_port: int | None = None, seed: int = 0) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.listen_port: int = 0 if listen_port is None else listen_port
        self.stats: dict[str, int] = dict.fromkeys(_STAT_KEYS, 0)
        self._mode: ProxyMode = "pass"
        self._latency_s = 0.0
        self._jitter_s = 0.0
        self._rng = random.Random(seed)
        # Set while bytes may move; cleared for the length of a blackhole (writers wait on it).
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: socket.socket | None = None
        # Holds the port from start to stop, so that no other process is handed it while it is closed
        # (``refuse``) and leaving ``refuse`` cannot find it taken.
        self._reservation: socket.socket | None = None
        self._links: set[_Link] = set()
        # Connections still being set up (upstream connect in flight), so stop() can cancel them too.
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def mode(self) -> ProxyMode:
        return self._mode

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:<listen_port>``, the address clients should be given."""
        return f"{_HOST}:{self.listen_port}"

    async def start(self) -> None:
        """Bind ``127.0.0.1:listen_port`` and start forwarding. A no-op when already started."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        try:
            # The reservation first: it may not be bound beside a socket that already listens.
            self._reservation = reserve_port(self.listen_port)
            self.listen_port = self._reservation.getsockname()[1]
            if self._mode != "refuse":
                self._open_listener()
        except OSError:
            self._release_port()
            self._loop = None  # not started: a later start() may try again
            raise
        logger.info(
            "proxy %s -> %s:%s started (mode %s)", self.bootstrap, self.target_host, self.target_port, self._mode
        )

    async def stop(self) -> None:
        """Stop listening and close every connection. Idempotent."""
        if self._loop is None:
            return
        self._close_listener()
        self._release_port()
        tasks = [task for link in self._links for task in link.tasks] + list(self._pending)
        for link in list(self._links):
            link.close(reset=False)
        self._links.clear()
        for task in self._pending:
            task.cancel()
        # Wait for the cancelled tasks so that none outlives the proxy (or the event loop).
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pending.clear()
        self._loop = None
        logger.info("proxy %s stopped; %s", self.bootstrap, self.stats)

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def set_mode(self, mode: ProxyMode, *, latency_ms: float = 0.0, jitter_ms: float = 0.0) -> None:
        """Switch to ``mode`` now; ``latency_ms``/``jitter_ms`` matter in ``latency`` mode only.

        Chunks already waiting out a delay keep their delivery time when the mode changes (they are in
        flight); those that come due in ``blackhole`` wait for the hole to close. The port stays held while
        ``refuse`` has it closed, so no other process can take it meanwhile.
        """
        if mode not in get_args(ProxyMode):
            raise ValueError(f"unknown proxy mode {mode!r}; expected one of {', '.join(get_args(ProxyMode))}")
        if latency_ms < 0 or jitter_ms < 0:
            raise ValueError(f"latency and jitter must be >= 0, got {latency_ms} ms ± {jitter_ms} ms")
        if self._loop is not None:  # not started: start() honours the mode
            if mode == "refuse":
                self._close_listener()
            elif self._mode == "refuse":
                self._open_listener()
        previous, self._mode = self._mode, mode
        if mode == "blackhole":
            self._flowing.clear()
        else:
            self._flowing.set()
        self._latency_s, self._jitter_s = latency_ms / 1000.0, jitter_ms / 1000.0
        logger.info("proxy %s: %s -> %s (latency %s ms ± %s ms)", self.bootstrap, previous, mode, latency_ms, jitter_ms)
        if mode in ("reset", "refuse"):
            # A refused port with live connections would leave clients that never notice the fault:
            # Kafka clients keep their connections for minutes. So refuse drops them like reset does.
            for link in list(self._links):
                self._reset(link)

    # -- listening socket ------------------------------------------------------------------------------

    def _open_listener(self) -> None:
        # Accepting through add_reader rather than asyncio.start_server: opening and closing stay
        # synchronous, so once set_mode returns the port really refuses (or accepts) connections.
        assert self._loop is not None
        if self._listener is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # SO_REUSEADDR: re-binding after refuse must succeed while reset connections of the old
            # listener still linger on the port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((_HOST, self.listen_port))
            sock.listen(_BACKLOG)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.listen_port = sock.getsockname()[1]
        self._listener = sock
        self._loop.add_reader(sock.fileno(), self._on_acceptable, sock)

    def _release_port(self) -> None:
        if self._reservation is not None:
            self._reservation.close()
            self._reservation = None

    def _close_listener(self) -> None:
        sock, self._listener = self._listener, None
        if sock is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(sock.fileno())
        sock.close()

    def _on_acceptable(self, listener: socket.socket) -> None:
        for _ in range(_BACKLOG):
            try:
                conn, _peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                logger.warning("proxy %s: accept failed: %s", self.bootstrap, exc)
                return
            self.stats["connections_accepted"] += 1
            if self._mode in ("reset", "refuse"):
                # Accepted, then a RST before the first byte: the client's connect succeeds and its
                # first request fails, as with a broker that drops connections.
                self.stats["connections_reset"] += 1
                with contextlib.suppress(OSError):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
                conn.close()
                continue
            conn.setblocking(False)
            assert self._loop is not None
            task = self._loop.create_task(self._serve(conn))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    # -- one connection --------------------------------------------------------------------------------

    async def _serve(self, conn: socket.socket) -> None:
        try:
            client_reader, client_writer = await asyncio.open_connection(sock=conn)
        except OSError:
            conn.close()
            return
        link = _Link(client_writer)
        if self._mode in ("reset", "refuse"):  # switched since the accept
            self._reset(link)
            return
        self._links.add(link)
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(self.target_host, self.target_port), _CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError) as exc:
            # The broker is down (or paused past the timeout): the client sees its connection close at
            # once, as it would see a refused connect without the proxy.
            self.stats["connections_refused"] += 1
            logger.debug("proxy %s: upstream connect failed: %s", self.bootstrap, exc)
            self._links.discard(link)
            link.close(reset=True)
            return
        if link.closed:  # reset (or the proxy stopped) while connecting upstream
            _abort(upstream_writer)
            return
        link.upstream = upstream_writer
        up: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(_QUEUE_CHUNKS)
        down: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(_QUEUE_CHUNKS)
        link.tasks = [
            asyncio.ensure_future(self._read(link, client_reader, up)),
            asyncio.ensure_future(self._write(link, upstream_writer, up, "bytes_up")),
            asyncio.ensure_future(self._read(link, upstream_reader, down)),
            asyncio.ensure_future(self._write(link, client_writer, down, "bytes_down")),
        ]

    def _reset(self, link: _Link) -> None:
        if link.closed:
            return
        self.stats["connections_reset"] += 1
        self._links.discard(link)
        link.close(reset=True)

    def _finish(self, link: _Link, *, reset: bool) -> None:
        self._links.discard(link)
        link.close(reset=reset)

    def _delay_s(self) -> float:
        if self._mode != "latency":
            return 0.0
        jitter = self._rng.uniform(-self._jitter_s, self._jitter_s) if self._jitter_s > 0 else 0.0
        return max(0.0, self._latency_s + jitter)

    async def _read(
        self, link: _Link, reader: asyncio.StreamReader, queue: asyncio.Queue[tuple[float, bytes] | None]
    ) -> None:
        """Read one side into ``queue``, stamping each chunk with the time it may be delivered."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    # End of stream goes through the queue, behind any delayed or held bytes.
                    await queue.put(None)
                    return
                delay = self._delay_s()
                if delay > 0:
                    self.stats["chunks_delayed"] += 1
                # One queue and one writer per direction: a chunk drawn with less jitter than the one
                # before it waits for it, so the order holds and no chunk is early.
                await queue.put((loop.time() + delay, data))
        except OSError as exc:
            logger.debug("proxy %s: read failed: %s", self.bootstrap, exc)
            self._finish(link, reset=True)

    async def _write(
        self,
        link: _Link,
        writer: asyncio.StreamWriter,
        queue: asyncio.Queue[tuple[float, bytes] | None],
        counter: str,
    ) -> None:
        """Deliver ``queue`` to one side, each chunk no earlier than its stamp."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                item = await queue.get()
                if item is not None:
                    wait = item[0] - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                if not self._flowing.is_set():
                    # The hole: nothing moves, not even an end of stream, until it closes. The reader
                    # goes on filling the bounded queue, then stops reading, and TCP flow control
                    # holds the sender.
                    self.stats["chunks_blackholed"] += 1
                    await self._flowing.wait()
                if item is None:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()  # half-close: the other direction may still be talking
                    link.eofs += 1
                    if link.eofs == 2:
                        self._finish(link, reset=False)
                    return
                data = item[1]
                if writer.is_closing():  # that side went away: take the other one down with it
                    self._finish(link, reset=True)
                    return
                writer.write(data)
                self.stats[counter] += len(data)
                await writer.drain()
        except OSError as exc:
            logger.debug("proxy %s: write failed: %s", self.bootstrap, exc)
            self._finish(link, reset=True)
