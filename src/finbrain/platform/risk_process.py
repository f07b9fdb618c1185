"""The tenants' risk engines in a process of their own, beside the API server's.

One Python process runs on one core at a time. Serving a scoring request is two halves of
about equal CPU: the HTTP half (parse, authenticate, validate, answer) and the engine half
(windows, rules, model, ledger, rows, commit). In one process they queue behind each other;
measured on this 2-core machine a single process ran at 90% of a core at 1,100 decisions/s,
and its tail latency was queueing. With ``risk_engine_process`` on, the API server spawns this
process at start-up and hands it the engine half over a private socket pair: each half gets a
core, and the same ``TenantRisk`` (group commits staged on this process's event loop, flushed
by its committer thread) does the writing, so durability, exactly-once and the answers are
the same as in-process (tests compare them).

The socket pair is made by the API process and inherited by its own child: nobody else can
connect. Frames are length-prefixed pickles of plain objects (events, answers, decisions)
between two processes of the same program; nothing from outside the platform is unpickled.
An error crosses as a ``FinbrainError`` (its code, field and rule kept); any other failure as
an internal error, logged here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import multiprocessing
import pickle
import socket
import struct
import sys
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from finbrain.core.errors import FinbrainError, ServiceUnavailableError
from finbrain.core.settings import Settings
from finbrain.risk.events import Event

if TYPE_CHECKING:
    from finbrain.platform.risk import Answer

log = logging.getLogger(__name__)
_HEADER = struct.Struct("!I")
START_WAIT = 120.0  # seconds the API waits for the engine process to answer its first ping
CALL_WAIT = 60.0  # seconds a rule, label or model update waits for the engine process


def _frame(message: Any) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


async def _read(reader: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return pickle.loads(await reader.readexactly(size))  # noqa: S301 - our own child's frames


def _portable(exc: BaseException) -> FinbrainError:
    """What crosses back for a failure: finbrain's own errors as they are, others as internal."""
    if isinstance(exc, FinbrainError):
        return exc
    log.error("risk engine failure", exc_info=exc)
    return FinbrainError(f"risk engine: {type(exc).__name__}")


# -- the engine process ---------------------------------------------------------------------
def serve(settings: Settings, sock: socket.socket) -> None:
    """The engine process's main: a ``RiskHub`` answering the API process until it says stop
    or goes away; then each tenant's final snapshot, as the in-process hub does."""
    from finbrain.platform.risk import RiskHub
    from finbrain.platform.store.database import Database

    logging.basicConfig(level=settings.log_level)
    sys.setswitchinterval(settings.gil_switch_interval_ms / 1000)
    db = Database(settings)
    hub = RiskHub(db, settings)
    try:
        _loop_runner()(_serve(hub, sock))
    finally:
        hub.stop()
        db.dispose()


def _loop_runner() -> Any:
    try:
        import uvloop

        return uvloop.run
    except ImportError:  # the speed extra is not installed: asyncio's own loop
        return asyncio.run


async def _serve(hub: Any, sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    gc.collect()
    gc.freeze()  # start-up objects live as long as the process
    tasks: set[asyncio.Task[None]] = set()
    while True:
        try:
            message = await _read(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            break  # the API process is gone: finish what is in flight and stop
        if message[0] == "stop":
            break
        task = asyncio.create_task(_handle(hub, message, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    writer.close()


async def _handle(hub: Any, message: tuple[Any, ...], writer: asyncio.StreamWriter) -> None:
    op, number, tenant_id, *args = message
    try:
        result: Any = None
        if op == "ping":
            result = "pong"
        elif op == "decide":
            result = await hub.tenant(tenant_id).decide(*args)
        elif op in ("label", "reload_rules", "rebuild"):
            await asyncio.to_thread(getattr(hub.tenant(tenant_id), op), *args)
        else:
            raise FinbrainError(f"unknown risk engine operation {op!r}")
        reply = (number, True, result)
    except BaseException as exc:  # every request gets an answer, whatever happened
        reply = (number, False, _portable(exc))
    with contextlib.suppress(ConnectionError):
        writer.write(_frame(reply))


# -- the API process's side -----------------------------------------------------------------
class RemoteTenant:
    """A tenant's risk engine as the API routes see it, living in the engine process: the
    same methods as ``TenantRisk`` (``decide`` from a coroutine; the rest from a thread)."""

    def __init__(self, hub: EngineProcessHub, tenant_id: str) -> None:
        self.hub = hub
        self.tenant_id = tenant_id

    async def decide(
        self, events: list[Event], key_id: str | None, request_id: str | None
    ) -> list[Answer]:
        answers: list[Answer] = await self.hub.ask(
            "decide", self.tenant_id, events, key_id, request_id
        )
        return answers

    def label(self, labels: Sequence[tuple[str, bool]]) -> None:
        self.hub.ask_from_thread("label", self.tenant_id, list(labels))

    def reload_rules(self) -> None:
        self.hub.ask_from_thread("reload_rules", self.tenant_id)

    def rebuild(self) -> None:
        self.hub.ask_from_thread("rebuild", self.tenant_id)


class EngineProcessHub:
    """Stands in for ``RiskHub`` in the API process when ``risk_engine_process`` is on: spawns
    the engine process on ``start`` (from the server's event loop) and forwards to it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: BaseProcess | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._numbers = itertools.count(1)
        self._reader_task: asyncio.Task[None] | None = None
        self._tenants: dict[str, RemoteTenant] = {}
        self._restarting = asyncio.Lock()

    def tenant(self, tenant_id: str) -> RemoteTenant:
        found = self._tenants.get(tenant_id)
        if found is None:
            found = self._tenants.setdefault(tenant_id, RemoteTenant(self, tenant_id))
        return found

    async def start(self) -> None:
        """Spawn the engine process and wait until it answers (it loads nothing yet: each
        tenant's engine loads on its first event, as in-process)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(self.settings, theirs), name="finbrain-risk-engine"
        )
        process.start()
        theirs.close()
        self._process = process
        self._loop = asyncio.get_running_loop()
        reader, self._writer = await asyncio.open_connection(sock=ours)
        self._reader_task = asyncio.create_task(self._answers(reader))
        await asyncio.wait_for(self.ask("ping", None), START_WAIT)

    async def _answers(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                number, ok, result = await _read(reader)
                future = self._waiting.pop(number, None)
                if future is None or future.done():
                    continue
                if ok:
                    future.set_result(result)
                else:
                    future.set_exception(result)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        # In flight, a decision may or may not have committed: the caller retries with the
        # same event id and gets the stored decision or a fresh one, never two.
        gone = ServiceUnavailableError(
            "the risk engine process stopped; retry with the same event id",
            rule="engine_process_running",
        )
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(gone)
        self._waiting.clear()

    async def ask(self, op: str, tenant_id: str | None, *args: Any) -> Any:
        if self._reader_task is None:
            raise ServiceUnavailableError(
                "the risk engine process is not started", rule="engine_process_running"
            )
        if self._reader_task.done():
            await self._restart()
        assert self._writer is not None
        number = next(self._numbers)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        self._writer.write(_frame((op, number, tenant_id, *args)))
        from finbrain.platform.risk import DECIDE_WAIT

        try:
            return await asyncio.wait_for(asyncio.shield(future), DECIDE_WAIT)
        finally:
            self._waiting.pop(number, None)

    async def _restart(self) -> None:
        """The engine process died (killed, out of memory): one request brings up a new one,
        which restarts each tenant's engine from its snapshot and the log, as after a crash."""
        async with self._restarting:
            if self._reader_task is not None and not self._reader_task.done():
                return  # another request restarted it meanwhile
            if self._process is not None:
                log.error(
                    "risk engine process exited (code %s): restarting", self._process.exitcode
                )
                await asyncio.to_thread(self._process.join, 5)
            if self._writer is not None:
                self._writer.close()
            await self.start()

    def ask_from_thread(self, op: str, tenant_id: str, *args: Any) -> Any:
        assert self._loop is not None, "the engine process is not started"
        call = asyncio.run_coroutine_threadsafe(self.ask(op, tenant_id, *args), self._loop)
        return call.result(timeout=CALL_WAIT)

    async def aclose(self) -> None:
        """Ask the engine process to finish (its final snapshots) and wait for it to exit."""
        if self._writer is not None:
            with contextlib.suppress(ConnectionError):
                self._writer.write(_frame(("stop", 0, None)))
                await self._writer.drain()
        if self._process is not None:
            await asyncio.to_thread(self._process.join, 60)
            if self._process.is_alive():
                self._process.kill()
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self._writer is not None:
            self._writer.close()
