#!/usr/bin/env python3
"""Load across servers (run by scripts/bench-s2s through federate.sh): alice@A sends --messages
one-to-one chat messages to bob@B's full JID, with at most --window unacknowledged in flight
(bob's arrivals acknowledge them, in this process), then (--directions a2b,b2a) bob@B as many
to alice@A over the same servers. For each direction: messages/s and each server's CPU time
per message, read before and after from /proc/PID/task/*/schedstat (nanoseconds on a CPU,
every thread; /proc/PID/stat's utime + stime ticks, 10 ms, as a cross-check): server A and
server B, and which of them sent (c2s -> s2s) and received (s2s -> c2s); and the generator's
own CPU (getrusage) per message and as a share of its core (near 1.0: the generator, not the
servers, set the pace).

--connections C: C connections of alice (resources load-a0…) and C of bob (load-b0…), pair i
talking to pair i, the messages and the window shared out. Raw XMPP over plaintext c2s (SASL
PLAIN, bind, presence) on asyncio, not slixmpp, which would be the bottleneck; the s2s
streams between the servers are what federate.sh set up (TLS, dialback or SASL EXTERNAL).
One warm-up message per pair and direction first opens the s2s connections. The pids come
from FED_DIR/a.pid and b.pid (federate.sh's pid namespace mounts its own /proc, so they
match). Output: the house JSON line, info.a2b and info.b2a (and the first direction's figures
at the top level, as before); checks: every message delivered, no error bounced.
"""
import asyncio
import base64
import os
import resource
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


def cpu_ns(pid):
    """Nanoseconds on a CPU of every thread of pid (/proc/PID/task/*/schedstat, first field),
    or None where schedstat is missing. Finer than the 10 ms ticks of /proc/PID/stat; a thread
    that exits between two readings would be missed, so the ticks are kept as a cross-check."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except FileNotFoundError:
                pass
    except OSError:
        return None
    return total


def cpu_sample(pid):
    return cpu_ticks(pid), cpu_ns(pid)


def read_pid(name):
    d = os.environ.get("FED_DIR")
    try:
        with open(os.path.join(d, f"{name}.pid")) as f:
            return int(f.read().strip())
    except (TypeError, OSError, ValueError):
        return None


class Conn(Raw):
    """A logged-in connection whose reader task counts the bodies and the errors it receives."""

    def start_counting(self):
        self.bodies = 0
        self.errors = 0
        self.event = asyncio.Event()
        self.task = asyncio.create_task(self._count())

    async def _count(self):
        marker = b"</body>"
        tail = self.buf
        self.buf = b""
        while True:
            data = await self.reader.read(262144)
            if not data:
                return
            chunk = tail + data
            self.bodies += chunk.count(marker)
            self.errors += data.count(b"type='error'") + data.count(b'type="error"')
            tail = chunk[-(len(marker) - 1):] if not chunk.endswith(marker) else b""
            self.event.set()

    async def wait_bodies(self, n, timeout):
        """Until this connection has received n bodies in all (or timeout without progress)."""
        while self.bodies < n:
            self.event.clear()
            if self.bodies >= n:
                return
            await asyncio.wait_for(self.event.wait(), timeout)


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def run_pair(sender, receiver, count, window, pad, tag, timeout=10.0):
    """count messages sender -> receiver's full JID, at most window unacknowledged."""
    base = receiver.bodies
    to = receiver.jid
    sent = 0
    while sent < count:
        while sent - (receiver.bodies - base) >= window:
            await receiver.wait_bodies(base + sent - window + 1, timeout)
        n = min(window - (sent - (receiver.bodies - base)), count - sent)
        sender.send("".join(f"<message to='{to}' type='chat' id='{tag}{sent + i}'><body>{sent + i} {pad}</body>"
                            "</message>" for i in range(n)))
        sent += n
        await sender.writer.drain()
    await receiver.wait_bodies(base + count, timeout)


async def direction(sc, d, senders, receivers, sender_side, pids, tck):
    """One direction (a2b: clients of A send to clients of B; b2a the reverse)."""
    a = sc.args
    receiver_side = "b" if sender_side == "a" else "a"
    pad = "x" * max(0, a.body_bytes)
    out = {}
    sc.step(f"{d}: warm-up (opens the s2s connections)")
    started = time.monotonic()
    for i, (s, r) in enumerate(zip(senders, receivers)):
        await run_pair(s, r, 1, 1, pad, f"{d}w{i}-", a.s2s_timeout)
        if i == 0:
            out["warmup_s"] = round(time.monotonic() - started, 3)
    await asyncio.sleep(0.5)  # let the servers settle after the connection set-up
    errors0 = sum(c.errors for c in senders)
    per = [a.messages // len(senders) + (1 if i < a.messages % len(senders) else 0) for i in range(len(senders))]
    win = max(1, a.window // len(senders))
    sc.step(f"{d}: {a.messages} messages over {len(senders)} connection(s), window {win} each")
    before = {k: cpu_sample(p) for k, p in pids.items() if p}
    gen0 = cpu_self()
    t0 = time.monotonic()
    await asyncio.gather(*(run_pair(s, r, n, win, pad, f"{d}{i}-")
                           for i, (s, r, n) in enumerate(zip(senders, receivers, per))))
    elapsed = time.monotonic() - t0
    gen = cpu_self() - gen0
    after = {k: cpu_sample(p) for k, p in pids.items() if p}
    errors = sum(c.errors for c in senders) - errors0
    sc.check(f"{d}_all_delivered", True)  # run_pair raised otherwise
    sc.check(f"{d}_no_error_bounced", errors == 0, f"{errors} errors")
    out.update(messages=a.messages, connections=len(senders), window_per_connection=win,
               seconds=round(elapsed, 3), messages_per_s=round(a.messages / elapsed, 1),
               sender=sender_side, receiver=receiver_side)
    for k in before:
        ticks = (after[k][0] - before[k][0]) / tck
        out[f"{k}_cpu_s_ticks"] = round(ticks, 3)
        if before[k][1] is not None and after[k][1] is not None:
            cpu = (after[k][1] - before[k][1]) / 1e9
            out["cpu_source"] = "schedstat"
        else:
            cpu = ticks
            out["cpu_source"] = "stat ticks"
        out[f"{k}_cpu_s"] = round(cpu, 4)
        out[f"{k}_cpu_us_per_message"] = round(cpu * 1e6 / a.messages, 2)
    if sender_side in before:
        out["sender_cpu_us_per_message"] = out[f"{sender_side}_cpu_us_per_message"]
    if receiver_side in before:
        out["receiver_cpu_us_per_message"] = out[f"{receiver_side}_cpu_us_per_message"]
    # The generator's own CPU: a share near 1.0 means it, not the servers, set the pace.
    out["generator_cpu_us_per_message"] = round(gen * 1e6 / a.messages, 1)
    out["generator_cpu_share"] = round(gen / elapsed, 2)
    return out


async def body(sc):
    a = sc.args
    tck = os.sysconf("SC_CLK_TCK")
    pids = {"a": a.a_pid or read_pid("a"), "b": a.b_pid or read_pid("b")}
    sc.info["server_pids"] = pids
    sc.step("login")
    alices = [Conn(a.a_host, a.a_port, a.a_domain, a.alice_user, a.alice_password, f"load-a{i}")
              for i in range(a.connections)]
    bobs = [Conn(a.b_host, a.b_port, a.b_domain, a.bob_user, a.bob_password, f"load-b{i}")
            for i in range(a.connections)]
    for c in alices + bobs:
        await c.login()
        c.start_counting()
    sc.check("login", True)
    sc.info["cpu_resolution_s"] = round(1 / tck, 3)
    directions = [d for d in a.directions.split(",") if d]
    for d in directions:
        if d == "a2b":
            sc.info[d] = await direction(sc, d, alices, bobs, "a", pids, tck)
        elif d == "b2a":
            sc.info[d] = await direction(sc, d, bobs, alices, "b", pids, tck)
        else:
            raise ValueError(f"--directions: a2b and/or b2a, not {d!r}")
    # The first direction's figures at the top level too (as before).
    first = sc.info[directions[0]]
    for k in ("warmup_s", "messages", "seconds", "messages_per_s", "a_cpu_us_per_message", "b_cpu_us_per_message"):
        if k in first:
            sc.info[k] = first[k]
    for c in alices + bobs:
        c.task.cancel()
        c.close()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--messages", type=int, default=20000)
    p.add_argument("--window", type=int, default=50, help="unacknowledged messages in flight, over all connections")
    p.add_argument("--connections", type=int, default=1,
                   help="sender/receiver pairs (resources load-a0… and load-b0…), the messages shared out")
    p.add_argument("--directions", default="a2b", help="a2b, b2a or a2b,b2a (one after the other, same servers)")
    p.add_argument("--body-bytes", type=int, default=60, help="padding in each body")
    p.add_argument("--a-pid", type=int, default=None, help="server A's pid (default: FED_DIR/a.pid)")
    p.add_argument("--b-pid", type=int, default=None, help="server B's pid (default: FED_DIR/b.pid)")
    p.set_defaults(timeout=600.0)
    fed_common.run("s2s_load", p, body)
