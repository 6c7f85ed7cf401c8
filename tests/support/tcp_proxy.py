"""A loopback TCP proxy that a test can cut, to take a server (PostgreSQL) away mid-run.

The proxy runs its own event loop in a daemon thread, so sync tests and async tests on
another loop drive it the same way: point the client at `proxy.port`, then `cut()` to drop
every open connection and refuse new ones, and `restore()` to forward again.

    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        url = f"postgresql+asyncpg://user:pw@127.0.0.1:{proxy.port}/db"
        ...
        proxy.cut()
        ...
        proxy.restore()
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

_T = TypeVar("_T")

_CHUNK = 64 * 1024


class TcpProxy:
    """Forward loopback TCP connections to a target until told to cut them."""

    def __init__(
        self, target: tuple[str, int], *, host: str = "127.0.0.1", timeout: float = 5.0
    ) -> None:
        self._target = target
        self._host = host
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._is_cut = False
        self._closing = False
        # Every running handler, so that a cut can reach connections still dialling the target.
        self._handlers: set[asyncio.Task[None]] = set()
        # Handlers whose connection reaches the target: what `connections` counts.
        self._linked: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """Return the loopback port clients connect to."""
        if self._port is None:
            raise RuntimeError("the proxy is not started")
        return self._port

    @property
    def target(self) -> tuple[str, int]:
        """Return the (host, port) connections are forwarded to."""
        return self._target

    @property
    def is_cut(self) -> bool:
        """Return whether the proxy is dropping connections."""
        return self._is_cut

    @property
    def connections(self) -> int:
        """Return how many forwarded connections are open."""
        return len(self._linked)

    def start(self) -> None:
        """Start the loop thread and return once the proxy listens."""
        if self._thread is not None:
            raise RuntimeError("the proxy is already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._thread.start()
        try:
            self._call(self._listen())
        except BaseException:
            self.close()
            raise

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore()`."""
        self._call(self._cut())

    def restore(self) -> None:
        """Accept and forward connections again."""
        self._call(self._restore())

    def close(self) -> None:
        """Drop every connection, stop listening and join the loop thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:
            raise RuntimeError("close the proxy from outside its own loop")
        if loop.is_running() and not self._closing:
            self._call(self._shutdown())
        with contextlib.suppress(RuntimeError):  # the loop already stopped and closed
            loop.call_soon_threadsafe(loop.stop)
        thread.join(self._timeout)
        if thread.is_alive():
            raise RuntimeError("the proxy thread did not stop")
        self._loop = None
        self._thread = None
        self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run a coroutine on the proxy loop and wait for its result."""
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the proxy is not started")
        if threading.current_thread() is self._thread:
            # Waiting on our own loop from inside it would deadlock.
            coro.close()
            raise RuntimeError("call the proxy from outside its own loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(self._timeout)

    def _run(self) -> None:
        """Run the proxy loop until stopped, then release what is left on it."""
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, 0)
        self._port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        self._is_cut = True
        await self._drop_all()

    async def _restore(self) -> None:
        self._is_cut = False

    async def _shutdown(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        # Let handlers already scheduled for accepted sockets run and see `_closing`.
        await asyncio.sleep(0)
        await self._drop_all()

    async def _drop_all(self) -> None:
        handlers = list(self._handlers)
        for handler in handlers:
            handler.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        """Forward one accepted connection both ways until either side ends it."""
        if self._is_cut or self._closing:
            client_writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        upstream_writer: asyncio.StreamWriter | None = None
        clean = False
        try:
            host, port = self._target
            upstream_reader, upstream = await asyncio.wait_for(
                asyncio.open_connection(host, port), self._timeout
            )
            upstream_writer = upstream
            self._linked.add(task)
            async with asyncio.TaskGroup() as group:
                group.create_task(_pipe(client_reader, upstream))
                group.create_task(_pipe(upstream_reader, client_writer))
            clean = True
        except* (OSError, TimeoutError):
            # A side reset or the target is down: drop the pair, as a router would.
            pass
        except* asyncio.CancelledError:
            # Cut or closed. The stream protocol's done callback calls `task.exception()`,
            # which raises on a cancelled task, so end the handler normally instead.
            pass
        finally:
            self._handlers.discard(task)
            self._linked.discard(task)
            for writer in (client_writer, upstream_writer):
                if writer is None:
                    continue
                if clean:
                    writer.close()  # flushes what is still buffered
                else:
                    writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes from reader to writer, then pass the end of stream on."""
    while chunk := await reader.read(_CHUNK):
        writer.write(chunk)
        await writer.drain()
    # Half-close, so the far side sees the end of stream and can still answer.
    if writer.can_write_eof():
        writer.write_eof()
