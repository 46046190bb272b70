#!/usr/bin/env python3
"""Time to a fresh remote domain (run by scripts/bench-s2s through `federate.sh --b-vhosts N`):
alice@A sends an XEP-0199 ping to the bare domain d1.test, waits for its answer, then
d2.test, … dN.test, each a domain server A has never talked to, all served by server B
(Prosody with N more VirtualHosts). Server B answers each ping itself, so the time from
sending the IQ to its result is: A finds dN.test (hosts file; SRV asked first and refused at
once), connects, STARTTLS, TLS handshake, authenticates (dialback or SASL EXTERNAL), sends the
IQ; B answers over its own stream dN.test -> a.test (Prosody 0.12 does not reuse A's stream
for the way back), which B opens and authenticates in turn (in dialback mode each side also
checks the other's key over a stream of its own). It is the time to the first round trip
with a new domain, not a one-way delivery: both directions' set-up is inside it.

Before them, one ping to b.test (not counted) opens the streams a.test <-> b.test, so that
B's own first outgoing stream (its resolver, its TLS context) is not d1.test's figure.
Right after each first answer, a second ping to the same domain (over the streams now open)
gives the round trip without any set-up (`warm`). Raw XMPP over plaintext c2s on asyncio,
like s2s_load.py. Output: the house JSON line; info: `first_s` and `warm_s` (p50, p90, p99,
max, mean, in seconds) and each domain's first time; checks: every domain answered with a
result, never an error. Also each server's CPU time over the N domains (schedstat), per
domain: what setting up the streams with one new domain costs each side.
"""
import asyncio
import re
import statistics
import time

import fed_common
from s2s_load import Raw, cpu_ns, read_pid


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))
    return v[int(k)]


def summary(values):
    return {"n": len(values), "p50": round(pct(values, 50), 4), "p90": round(pct(values, 90), 4),
            "p99": round(pct(values, 99), 4), "max": round(max(values), 4),
            "mean": round(statistics.fmean(values), 4)}


async def ping(conn, domain, ident, timeout):
    """Send an XEP-0199 ping to domain; the seconds to its answer and whether it was a result."""
    rx = re.compile(rb"<iq\b[^>]*\bid=['\"]" + re.escape(ident.encode()) + rb"['\"][^>]*?(/>|>.*?</iq>)", re.S)
    t0 = time.monotonic()
    conn.send(f"<iq type='get' to='{domain}' id='{ident}'><ping xmlns='urn:xmpp:ping'/></iq>")
    await conn.writer.drain()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        m = rx.search(conn.buf)
        if m:
            stanza = m.group(0)
            conn.buf = conn.buf[m.end():]
            ok = re.search(rb"\btype=['\"]result['\"]", stanza.split(b">", 1)[0]) is not None
            return time.monotonic() - t0, ok, stanza
        data = await asyncio.wait_for(conn.reader.read(65536), max(0.01, deadline - loop.time()))
        if not data:
            raise ConnectionError(f"stream closed while waiting for the answer from {domain}")
        conn.buf += data


async def body(sc):
    a = sc.args
    sc.step("login")
    alice = Raw(a.a_host, a.a_port, a.a_domain, a.alice_user, a.alice_password, "first")
    await alice.login()
    sc.check("login", True)
    if a.prime:
        # Not counted: B's own first outgoing s2s stream (its resolver, TLS context) would
        # otherwise land on d1.test's figure, whichever server A is.
        sc.step(f"ping {a.prime} (priming, not counted)")
        t, ok, stanza = await ping(alice, a.prime, "prime", a.s2s_timeout)
        sc.info["prime_s"] = round(t, 4)
        sc.check("prime_answered", ok, stanza[:300])
    first, warm, errors, per_domain = [], [], [], {}
    pids = {"a": read_pid("a"), "b": read_pid("b")}
    before = {k: cpu_ns(p) for k, p in pids.items() if p}
    for i in range(1, a.domains + 1):
        domain = f"{a.prefix}{i}{a.suffix}"
        sc.step(f"ping {domain} (fresh)")
        try:
            t, ok, stanza = await ping(alice, domain, f"f{i}", a.s2s_timeout)
        except asyncio.TimeoutError:
            errors.append(f"{domain}: no answer within {a.s2s_timeout:g} s")
            per_domain[domain] = None
            continue
        per_domain[domain] = round(t, 4) if ok else None
        if not ok:
            errors.append(f"{domain}: {stanza[:300]!r}")
            continue
        first.append(t)
        t, ok, stanza = await ping(alice, domain, f"w{i}", a.s2s_timeout)
        if ok:
            warm.append(t)
        else:
            errors.append(f"{domain} (warm): {stanza[:300]!r}")
    after = {k: cpu_ns(p) for k, p in pids.items() if p}
    for k in before:
        if before[k] is not None and after[k] is not None:
            # Both pings per domain; the warm one is a few microseconds of it.
            sc.info[f"{k}_cpu_ms_per_domain"] = round((after[k] - before[k]) / 1e6 / a.domains, 3)
    sc.check("all_answered", not errors, "; ".join(errors[:5]))
    sc.info["domains"] = a.domains
    sc.info["measured"] = "XEP-0199 ping to the bare fresh domain, answered by server B itself"
    if first:
        sc.info["first_s"] = summary(first)
    if warm:
        sc.info["warm_s"] = summary(warm)
    sc.info["first_by_domain_s"] = per_domain
    alice.close()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    fed_common.common.add_user_args(p, "alice", "alice", "alicepass")
    p.add_argument("--domains", type=int, default=100, help="d1.test … dN.test (federate.sh --b-vhosts N)")
    p.add_argument("--prefix", default="d")
    p.add_argument("--suffix", default=".test")
    p.add_argument("--prime", default="b.test",
                   help="ping this domain first, not counted (server B's first s2s set-up); empty: none")
    p.set_defaults(timeout=900.0)
    fed_common.run("s2s_first", p, body)
