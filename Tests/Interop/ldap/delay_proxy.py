#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays every byte the server sends by a fixed time: a slow
LDAP server, for the test that slow logins delay nobody else and for scripts/bench-ldap.

Usage: delay_proxy.py --target 127.0.0.1:PORT --delay SECONDS [--port 0]
Prints "LISTENING <port>" on stdout once it accepts connections, then runs until killed
(SIGTERM) or until --max-seconds pass. Client-to-server bytes go through at once; each
chunk from the server is released `delay` seconds after it arrived, in order.
"""
import argparse
import asyncio
import signal
import sys
import time


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def release():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    releaser = asyncio.create_task(release())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0, None))
    try:
        await releaser
    except (ConnectionError, OSError):
        pass


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--target", required=True, help="HOST:PORT of the real server")
    p.add_argument("--delay", type=float, required=True, help="seconds added to every server reply")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=600, help="stop by itself after this long")
    args = p.parse_args()
    host, port = args.target.rsplit(":", 1)

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, server_writer, 0.0),
            pump(server_reader, client_writer, args.delay),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print(f"LISTENING {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), args.max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
