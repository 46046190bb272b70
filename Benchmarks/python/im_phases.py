"""The three workloads of scripts/bench-xmpp-im; each returns one dict for the report.

messages: 1:1 chat with carbons (XEP-0280) and MAM (XEP-0313), two resources per side.
idle:     memory per idle session, with or without XEP-0198 stream management.
resume:   K XEP-0198 sessions dropped at once, a message queued for each, all resumed.
"""
import asyncio
import statistics
import time

from xmpp_conn import Conn, XMPPError, local, server_cpu_s, server_rss_kib

NS_CARBONS = "urn:xmpp:carbons:2"
NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_PING = "urn:xmpp:ping"


def user(opts, i):
    return f"{opts.prefix}{i}"


async def ping(conn, iq_id="ping"):
    """A round trip: everything the server had to send this client before is now queued."""
    await conn.iq(f"<ping xmlns='{NS_PING}'/>", iq_id, "get", to=conn.opts.domain)


async def drain(conn):
    conn.inbox.clear()


async def bounded(coros, limit):
    """Runs coroutine factories with at most `limit` in progress; returns results/exceptions."""
    sem = asyncio.Semaphore(limit)

    async def one(factory):
        async with sem:
            try:
                return await factory()
            except XMPPError as e:
                return e
    return await asyncio.gather(*(one(f) for f in coros))


def group_errors(results):
    errs = {}
    for r in results:
        if isinstance(r, Exception):
            errs[str(r)] = errs.get(str(r), 0) + 1
    return errs


# --- (A) messages with carbons and MAM -----------------------------------------------------
async def messages(opts):
    pid = opts.server_pid
    alice, bob = user(opts, 0), user(opts, 1)
    conns = {}
    for u, name in ((0, alice), (1, bob)):
        for r in ("r1", "r2"):
            c = Conn(opts, name, r)
            await c.session()
            conns[(u, r)] = c
    carbons = {}
    for key, c in conns.items():
        el = await c.iq(f"<enable xmlns='{NS_CARBONS}'/>", "carbons")
        carbons[f"{c.user}/{c.resource}"] = el.get("type")
    if any(t != "result" for t in carbons.values()):
        return {"ok": False, "error": f"carbons not enabled: {carbons}"}
    for c in conns.values():
        await ping(c)
    await asyncio.sleep(0.3)
    for c in conns.values():
        await drain(c)

    bits = {(0, "r1"): 1, (0, "r2"): 2, (1, "r1"): 4, (1, "r2"): 8}
    # a message from user s reaches the other user's r1 and r2 and s's own r2 (a <sent/> carbon)
    expect = {0: bits[(1, "r1")] | bits[(1, "r2")] | bits[(0, "r2")],
              1: bits[(0, "r1")] | bits[(0, "r2")] | bits[(1, "r2")]}
    M, W = opts.messages, opts.window
    pad = "x" * 60
    runs = []
    for run in range(1, opts.repeat + 1):
        tag = f"imb{run}:"
        arrived = bytearray(M)
        state = {"sent": 0, "done": 0, "stanzas": 0, "copies": 0, "extra": 0}
        per_conn = {k: 0 for k in conns}
        finished = asyncio.get_running_loop().create_future()

        def send_more():
            while state["sent"] < M and state["sent"] - state["done"] < W:
                i = state["sent"]
                s = i % 2
                to = bob if s == 0 else alice
                conns[(s, "r1")].send_soon(f"<message type='chat' to='{to}@{opts.domain}' id='m{i}'>"
                                      f"<body>{tag}{i} {pad}</body></message>")
                state["sent"] += 1

        def handler_for(key):
            bit = bits[key]

            def handle(conn, el):
                state["stanzas"] += 1
                per_conn[key] += 1
                if local(el.tag) != "message":
                    return
                body = None
                for b in el.iter():
                    if local(b.tag) == "body":
                        body = b.text
                        break
                if not body or not body.startswith(tag):
                    state["extra"] += 1
                    return
                i = int(body[len(tag):body.index(" ")])
                s = i % 2
                state["copies"] += 1
                before = arrived[i]
                arrived[i] = before | bit
                if before & expect[s] != expect[s] and arrived[i] & expect[s] == expect[s]:
                    state["done"] += 1
                    if state["done"] == M:
                        if not finished.done():
                            finished.set_result(None)
                    else:
                        send_more()
            return handle

        for key, c in conns.items():
            c.handler = handler_for(key)
        cpu0, gen0, t0 = server_cpu_s(pid), time.process_time(), time.monotonic()
        send_more()
        limit = max(60.0, M / 200.0)
        try:
            await asyncio.wait_for(asyncio.shield(finished), limit)
            err = None
        except asyncio.TimeoutError:
            err = f"timeout after {limit:g} s: {state['done']}/{M} messages complete"
        t1, cpu1, gen1 = time.monotonic(), server_cpu_s(pid), time.process_time()
        closed = [f"{c.user}/{c.resource}: {c.close_reason}" for c in conns.values() if c.closed]
        if closed:
            err = (err + "; " if err else "") + "closed: " + ", ".join(closed)
        # stragglers (duplicates) that arrive just after the last complete message
        await asyncio.sleep(0.2)
        for c in conns.values():
            c.handler = None
        elapsed = t1 - t0
        runs.append({
            "ok": err is None, "error": err, "messages": M, "complete": state["done"],
            "seconds": round(elapsed, 3),
            "messages_per_second": round(state["done"] / elapsed, 1) if elapsed > 0 else None,
            "server_cpu_us_per_message": round((cpu1 - cpu0) * 1e6 / max(state["done"], 1), 2),
            "server_cores_busy": round((cpu1 - cpu0) / elapsed, 2) if elapsed > 0 else None,
            "generator_cores_busy": round((gen1 - gen0) / elapsed, 2) if elapsed > 0 else None,
            "generator_cpu_us_per_message": round((gen1 - gen0) * 1e6 / max(state["done"], 1), 1),
            "stanzas_per_message": round(state["stanzas"] / max(state["done"], 1), 3),
            "copies_per_message": round(state["copies"] / max(state["done"], 1), 3),
            "stanzas_per_message_by_resource": {
                f"{'alice' if k[0] == 0 else 'bob'}/{k[1]}": round(v / max(state["done"], 1), 3)
                for k, v in per_conn.items()},
            "other_stanzas": state["extra"],
        })
        if err:
            break
        await asyncio.sleep(0.5)

    mam = await mam_check(conns[(0, "r1")], opts)
    for c in conns.values():
        c.close()
    ok = all(r["ok"] for r in runs) and mam.get("ok", False)
    cpu = [r["server_cpu_us_per_message"] for r in runs if r["ok"]]
    rate = [r["messages_per_second"] for r in runs if r["ok"]]
    return {"ok": ok, "error": next((r["error"] for r in runs if r["error"]), None) or mam.get("error"),
            "carbons": carbons, "runs": runs, "mam": mam,
            "server_cpu_us_per_message": statistics.median(cpu) if cpu else None,
            "messages_per_second": statistics.median(rate) if rate else None}


async def mam_check(conn, opts):
    """One MAM query for the last message: the archive holds every message of the runs."""
    conn.send(f"<iq type='set' id='mamq'><query xmlns='{NS_MAM}' queryid='q1'>"
              f"<set xmlns='{NS_RSM}'><max>1</max><before/></set></query></iq>")
    results = 0
    try:
        while True:
            el = await conn.next(30)
            name = local(el.tag)
            if name == "message" and el.find(f"{{{NS_MAM}}}result") is not None:
                results += 1
            elif name == "iq" and el.get("id") == "mamq":
                break
    except XMPPError as e:
        return {"ok": False, "error": f"MAM query: {e}", "results": results}
    if el.get("type") != "result":
        cond = " ".join(local(c.tag) for c in el.iter() if local(c.tag) not in ("iq", "error", "text"))
        return {"ok": False, "error": f"MAM query: iq {el.get('type')} {cond}", "results": results}
    fin = el.find(f"{{{NS_MAM}}}fin")
    count = fin.find(f"{{{NS_RSM}}}set/{{{NS_RSM}}}count") if fin is not None else None
    count = int(count.text) if count is not None and count.text else None
    expected = opts.messages * opts.repeat
    ok = results >= 1 and fin is not None and (count is None or count >= opts.messages)
    return {"ok": ok, "error": None if ok else f"MAM: {results} results, count {count}",
            "results": results, "fin": fin is not None, "count": count, "messages_sent": expected}


# --- (B) idle sessions ---------------------------------------------------------------------
async def idle(opts):
    pid, N = opts.server_pid, opts.sessions
    sm = opts.sm
    rss0, cpu0 = server_rss_kib(pid), server_cpu_s(pid)
    conns = []

    async def one(i):
        c = Conn(opts, user(opts, i), "r")
        conns.append(c)
        await c.session()
        if sm:
            ok, why = await c.sm_enable(resume=True)
            if not ok:
                raise XMPPError(f"SM: {why}")
        c.handler = lambda conn, el: None
        return c

    # The first session alone: a server without XEP-0198 is reported, not hammered.
    try:
        first = await one(0)
    except XMPPError as e:
        probe = conns[0]
        if sm:
            return {"ok": False, "supported": False, "sm_advertised": probe.sm_advertised,
                    "error": f"not supported ({'sm not in stream features; ' if not probe.sm_advertised else ''}{e})"}
        return {"ok": False, "error": f"first login: {e}"}
    t0 = time.monotonic()
    results = [first] + await bounded([lambda i=i: one(i) for i in range(1, N)], 100)
    t1 = time.monotonic()
    cpu1 = server_cpu_s(pid)
    errors = group_errors(results)
    await asyncio.sleep(opts.settle)
    rss1 = server_rss_kib(pid)
    ready = sum(1 for r in results if not isinstance(r, Exception))
    dropped = sum(1 for r in results if not isinstance(r, Exception) and r.closed)
    for c in conns:
        c.close()
    return {"ok": not errors and dropped == 0, "supported": True, "sm": sm,
            "error": "; ".join(f"{n}× {e}" for e, n in errors.items()) or (f"{dropped} dropped" if dropped else None),
            "sessions_requested": N, "sessions_ready": ready, "sessions_dropped": dropped,
            "server_rss_before_kib": rss0, "server_rss_after_kib": rss1,
            "server_kib_per_session": round((rss1 - rss0) / max(ready, 1), 2),
            "logins_per_second": round(N / (t1 - t0), 1) if t1 > t0 else None,
            "server_cpu_us_per_login": round((cpu1 - cpu0) * 1e6 / max(ready, 1), 1)}


# --- (C) resumption of K sessions at once ----------------------------------------------------
async def resume(opts):
    pid, K = opts.server_pid, opts.resume
    domain = opts.domain
    sender = Conn(opts, user(opts, K), "s")
    await sender.session()
    sessions = {}   # i -> (conn, sm id)

    probe = {}

    async def one(i):
        c = Conn(opts, user(opts, i), "r")
        probe.setdefault("conn", c)
        await c.session()
        ok, why = await c.sm_enable(resume=True)
        if not ok:
            raise XMPPError(f"SM: {why}")
        got = {"n": 0}
        c.handler = lambda conn, el, got=got: got.__setitem__("n", got["n"] + (local(el.tag) == "message"))
        sessions[i] = (c, why, got)
        return c

    try:
        await one(0)
    except XMPPError as e:
        c = sessions.get(0, (None,))[0] or probe.get("conn")
        adv = "" if c is None or c.sm_advertised else "sm not in stream features; "
        return {"ok": False, "supported": False, "error": f"not supported ({adv}{e})"}
    results = [None] + await bounded([lambda i=i: one(i) for i in range(1, K)], 100)
    errors = group_errors(results)
    if errors:
        return {"ok": False, "supported": True, "error": "setup: " + "; ".join(f"{n}× {e}" for e, n in errors.items())}

    # a few stanzas on each stream before the drop (acknowledged or not, as the server asks)
    before = 2
    for i in range(K):
        for n in range(before):
            sender.send(f"<message type='chat' to='{user(opts, i)}@{domain}/r' id='p{i}-{n}'><body>pre {n}</body></message>")
    deadline = time.monotonic() + 60
    while any(g["n"] < before for _, _, g in sessions.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    short = sum(1 for _, _, g in sessions.values() if g["n"] < before)
    if short:
        return {"ok": False, "supported": True, "error": f"{short} sessions did not get their first {before} messages"}

    # drop every TCP connection at once, no </stream:stream>
    for c, _, _ in sessions.values():
        c.abort(rst=True)
    await asyncio.sleep(1.0)
    for i in range(K):
        sender.send(f"<message type='chat' to='{user(opts, i)}@{domain}/r' id='q{i}'><body>queued {i}</body></message>")
    await ping(sender, "after-queue")
    await asyncio.sleep(0.5)
    sender_bounces = sum(1 for el in sender.inbox if el.get("type") == "error")
    sender.inbox.clear()

    outcome = {}    # i -> "resumed" | reason
    queued = {}     # i -> True once "queued i" arrived on the resumed stream
    t_resumed = []
    cpu0, t0 = server_cpu_s(pid), time.monotonic()

    async def back(i):
        old, previd, _ = sessions[i]
        c = Conn(opts, user(opts, i), "r")
        try:
            await c.login()
            c.h_in = old.h_in   # counting goes on from <resumed/>
            c.send(f"<resume xmlns='urn:xmpp:sm:3' h='{old.h_in}' previd='{previd}'/>")
            while True:
                el = await c.next()
                name = local(el.tag)
                if name in ("resumed", "failed"):
                    break
                if name == "message" and (el.findtext("{jabber:client}body") or "") == f"queued {i}":
                    queued[i] = True   # cannot come before <resumed/>, but be lenient
        except XMPPError as e:
            outcome[i] = str(e)
            return c
        if name == "failed":
            outcome[i] = "<failed/> " + " ".join(local(x.tag) for x in el)
            return c
        outcome[i] = "resumed"
        t_resumed.append(time.monotonic())

        def handle(conn, el, i=i):
            if local(el.tag) == "message" and (el.findtext("{jabber:client}body") or "") == f"queued {i}":
                queued[i] = True
        c.handler = handle
        for el in list(c.inbox):
            handle(c, el)
        c.inbox.clear()
        return c

    new = await bounded([lambda i=i: back(i) for i in range(K)], 100)
    t_last = max(t_resumed) if t_resumed else time.monotonic()
    cpu1 = server_cpu_s(pid)
    resumed = [i for i, o in outcome.items() if o == "resumed"]
    deadline = time.monotonic() + 10
    while len([i for i in resumed if queued.get(i)]) < len(resumed) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    got = sum(1 for i in resumed if queued.get(i))
    reasons = {}
    for i, o in outcome.items():
        if o != "resumed":
            reasons[o] = reasons.get(o, 0) + 1
    for c in new:
        if isinstance(c, Conn):
            c.close()
    sender.close()
    wall = t_last - t0
    ok = len(resumed) == K and got == K
    return {"ok": ok, "supported": True,
            "error": None if ok else f"{len(resumed)}/{K} resumed, {got} got their queued message"
                     + (f"; {'; '.join(f'{n}× {r}' for r, n in reasons.items())}" if reasons else ""),
            "sessions": K, "resumed": len(resumed), "queued_message_received": got,
            "sender_bounces": sender_bounces,
            "resume_wall_seconds": round(wall, 3),
            "server_cpu_seconds": round(cpu1 - cpu0, 3),
            "server_cpu_us_per_resume": round((cpu1 - cpu0) * 1e6 / max(len(resumed), 1), 1)}
