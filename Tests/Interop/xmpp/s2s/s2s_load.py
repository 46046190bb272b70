#!/usr/bin/env python3
"""Load across servers (run by scripts/bench-s2s through federate.sh): alice@A sends --messages
one-to-one chat messages to bob@B's full JID, with at most --window unacknowledged in flight
(bob's arrivals acknowledge them, in this process), and the servers' CPU time per message is
read from /proc/PID/stat (utime + stime) before and after: server A (the sender's server,
which relays c2s -> s2s) and server B (s2s -> c2s).

Raw XMPP over plaintext c2s (SASL PLAIN, bind, presence) on asyncio, not slixmpp, which would
be the bottleneck; the s2s streams between the servers are what federate.sh set up (TLS,
dialback or SASL EXTERNAL). One warm-up message first opens the s2s connections. The pids
come from FED_DIR/a.pid and b.pid (federate.sh's pid namespace mounts its own /proc, so they
match). Output: the house JSON line; checks: every message delivered, no error bounced.
"""
import asyncio
import base64
import os
import re
import time

import fed_common
from fed_common import common

STREAM = ("<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' xml:lang='en'>")


class Raw:
    """A minimal XMPP client: enough to log in and count what arrives."""

    def __init__(self, host, port, domain, user, password, resource):
        self.host, self.port, self.domain = host, port, domain
        self.user, self.password, self.resource = user, password, resource
        self.buf = b""

    async def read_until(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            data = await asyncio.wait_for(self.reader.read(65536), max(0.01, deadline - loop.time()))
            if not data:
                raise ConnectionError(f"{self.user}: stream closed while waiting for {pattern!r}: {self.buf[-300:]!r}")
            self.buf += data

    def send(self, text):
        self.writer.write(text.encode() if isinstance(text, str) else text)

    async def login(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.send(STREAM.format(domain=self.domain))
        await self.read_until(rb"</stream:features>")
        token = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        got = await self.read_until(rb"<success[^>]*(/>|</success>)|<failure.*?</failure>")
        if b"<success" not in got:
            raise ConnectionError(f"{self.user}: SASL PLAIN failed: {got[-200:]!r}")
        self.send(STREAM.format(domain=self.domain))
        await self.read_until(rb"</stream:features>")
        self.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  f"<resource>{self.resource}</resource></bind></iq>")
        got = await self.read_until(rb"<jid>([^<]+)</jid>")
        self.jid = re.search(rb"<jid>([^<]+)</jid>", got).group(1).decode()
        await self.read_until(rb"</iq>")
        self.send("<presence/>")
        await self.writer.drain()

    def close(self):
        try:
            self.send("</stream:stream>")
            self.writer.close()
        except Exception:  # noqa: BLE001
            pass


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def read_pid(name):
    d = os.environ.get("FED_DIR")
    try:
        with open(os.path.join(d, f"{name}.pid")) as f:
            return int(f.read().strip())
    except (TypeError, OSError, ValueError):
        return None


async def body(sc):
    a = sc.args
    tck = os.sysconf("SC_CLK_TCK")
    pids = {"a": a.a_pid or read_pid("a"), "b": a.b_pid or read_pid("b")}
    sc.info["server_pids"] = pids
    sc.step("login")
    alice = Raw(a.a_host, a.a_port, a.a_domain, a.alice_user, a.alice_password, "load-a")
    bob = Raw(a.b_host, a.b_port, a.b_domain, a.bob_user, a.bob_password, "load-b")
    await alice.login()
    await bob.login()
    sc.check("login", True)

    marker = b"</body>"
    received = 0
    bounced = 0
    arrived = asyncio.Event()

    async def reader():
        nonlocal received, bounced
        tail = bob.buf
        while True:
            data = await bob.reader.read(262144)
            if not data:
                return
            chunk = tail + data
            received += chunk.count(marker)
            tail = chunk[-(len(marker) - 1):] if not chunk.endswith(marker) else b""
            arrived.set()

    async def alice_reader():
        nonlocal bounced
        while True:
            data = await alice.reader.read(65536)
            if not data:
                return
            bounced += data.count(b"type='error'") + data.count(b'type="error"')

    bob.buf = b""
    tasks = [asyncio.create_task(reader()), asyncio.create_task(alice_reader())]
    pad = "x" * max(0, a.body_bytes)
    to = bob.jid

    def msg(i):
        return f"<message to='{to}' type='chat' id='m{i}'><body>{i} {pad}</body></message>"

    sc.step("warm-up (opens the s2s connections)")
    started = time.monotonic()
    alice.send(msg(0))
    await alice.writer.drain()
    while received < 1:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), a.s2s_timeout)
    sc.info["warmup_s"] = round(time.monotonic() - started, 3)
    await asyncio.sleep(0.5)  # let the servers settle after the connection set-up
    base = received

    sc.step(f"{a.messages} messages, window {a.window}")
    before = {k: cpu_ticks(p) for k, p in pids.items() if p}
    t0 = time.monotonic()
    sent = 0
    while sent < a.messages:
        while sent - (received - base) >= a.window:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 10)
        n = min(a.window - (sent - (received - base)), a.messages - sent)
        alice.send("".join(msg(base + sent + i) for i in range(n)))
        sent += n
        await alice.writer.drain()
    while received - base < a.messages:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 10)
    elapsed = time.monotonic() - t0
    after = {k: cpu_ticks(p) for k, p in pids.items() if p}
    for t in tasks:
        t.cancel()
    sc.check("all_delivered", received - base == a.messages, f"{received - base} of {a.messages}")
    sc.check("no_error_bounced", bounced == 0, f"{bounced} errors")
    sc.info["messages"] = a.messages
    sc.info["window"] = a.window
    sc.info["seconds"] = round(elapsed, 3)
    sc.info["messages_per_s"] = round(a.messages / elapsed, 1)
    for k in before:
        cpu = (after[k] - before[k]) / tck
        sc.info[f"{k}_cpu_s"] = round(cpu, 3)
        sc.info[f"{k}_cpu_us_per_message"] = round(cpu * 1e6 / a.messages, 1)
    sc.info["cpu_resolution_s"] = round(1 / tck, 3)
    alice.close()
    bob.close()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--messages", type=int, default=20000)
    p.add_argument("--window", type=int, default=50)
    p.add_argument("--body-bytes", type=int, default=60, help="padding in each body")
    p.add_argument("--a-pid", type=int, default=None, help="server A's pid (default: FED_DIR/a.pid)")
    p.add_argument("--b-pid", type=int, default=None, help="server B's pid (default: FED_DIR/b.pid)")
    p.set_defaults(timeout=600.0)
    fed_common.run("s2s_load", p, body)
