"""The test TCP proxy forwards both ways, drops everything when cut, and forwards again."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.tcp_proxy import TcpProxy

TIMEOUT = 1.0


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
async def echo_server() -> AsyncIterator[tuple[str, int]]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    async with server:
        yield ("127.0.0.1", port)


@pytest.fixture
def proxy(echo_server: tuple[str, int]) -> Iterator[TcpProxy]:
    with TcpProxy(echo_server, timeout=TIMEOUT) as running:
        yield running


async def _connect(proxy: TcpProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", proxy.port), TIMEOUT)


async def _round_trip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes
) -> bytes:
    writer.write(payload)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(payload)), TIMEOUT)


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Return what arrives before the proxy closes the connection, by EOF or by reset."""
    try:
        return await asyncio.wait_for(reader.read(), TIMEOUT)
    except ConnectionResetError:
        return b""


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    # The peer may already have reset the connection; that is what the tests provoke.
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def test_bytes_go_through_both_ways(proxy: TcpProxy) -> None:
    reader, writer = await _connect(proxy)

    assert await _round_trip(reader, writer, b"ping") == b"ping"
    assert await _round_trip(reader, writer, b"x" * 200_000) == b"x" * 200_000
    assert proxy.connections == 1
    assert not proxy.is_cut

    await _close(writer)


async def test_end_of_stream_passes_through_and_the_connection_is_released(
    proxy: TcpProxy,
) -> None:
    reader, writer = await _connect(proxy)
    writer.write(b"last words")
    writer.write_eof()

    # The echo server only closes once it has seen our end of stream through the proxy.
    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b"last words"
    await _close(writer)
    # The proxy releases the pair on its own thread just after passing the EOF on: poll briefly.
    async with asyncio.timeout(TIMEOUT):
        while proxy.connections:  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def test_cut_closes_open_connections(proxy: TcpProxy) -> None:
    readers_writers = [await _connect(proxy) for _ in range(3)]
    for reader, writer in readers_writers:
        assert await _round_trip(reader, writer, b"hello") == b"hello"
    assert proxy.connections == 3

    proxy.cut()

    assert proxy.is_cut
    assert proxy.connections == 0
    for reader, writer in readers_writers:
        assert await _read_until_closed(reader) == b""
        await _close(writer)


async def test_a_new_connection_is_closed_while_cut(proxy: TcpProxy) -> None:
    proxy.cut()

    reader, writer = await _connect(proxy)
    try:
        writer.write(b"anyone there?")
        await writer.drain()
    except ConnectionResetError:
        pass

    assert await _read_until_closed(reader) == b""
    assert proxy.connections == 0
    await _close(writer)


async def test_restore_forwards_new_connections_again(proxy: TcpProxy) -> None:
    proxy.cut()
    proxy.restore()

    reader, writer = await _connect(proxy)

    assert not proxy.is_cut
    assert await _round_trip(reader, writer, b"back") == b"back"
    await _close(writer)


def test_cut_and_restore_work_from_a_sync_test() -> None:
    with TcpProxy(("127.0.0.1", 9), timeout=TIMEOUT) as proxy:
        proxy.cut()
        assert proxy.is_cut
        proxy.restore()
        assert not proxy.is_cut


async def test_an_unreachable_target_closes_the_client(echo_server: tuple[str, int]) -> None:
    # Take a port from a server that is closed again, so nothing listens there.
    spare = await asyncio.start_server(_echo, "127.0.0.1", 0)
    dead_port: int = spare.sockets[0].getsockname()[1]
    spare.close()
    await spare.wait_closed()

    with TcpProxy(("127.0.0.1", dead_port), timeout=TIMEOUT) as proxy:
        reader, writer = await _connect(proxy)
        assert await _read_until_closed(reader) == b""
        assert proxy.connections == 0
        await _close(writer)


async def test_close_leaves_no_thread_running(echo_server: tuple[str, int]) -> None:
    proxy = TcpProxy(echo_server, timeout=TIMEOUT)
    proxy.start()
    reader, writer = await _connect(proxy)
    assert await _round_trip(reader, writer, b"bye") == b"bye"

    proxy.close()

    assert not any(thread.name == "tcp-proxy" for thread in threading.enumerate())
    assert await _read_until_closed(reader) == b""
    await _close(writer)
    proxy.close()  # a second close is harmless
