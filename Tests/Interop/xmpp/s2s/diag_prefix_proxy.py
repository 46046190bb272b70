#!/usr/bin/env python3
"""Diagnostic, not part of the harness: an s2s STARTTLS man-in-the-middle that rewrites
parleyd's default-namespace stream elements to the conventional prefixes, to see whether
anything else stands between parleyd and ejabberd 23.01 (README: "Parley <-> ejabberd").

  diag_prefix_proxy.py LISTEN_HOST:PORT UPSTREAM_HOST:PORT SERVER_CERT SERVER_KEY \
                       CLIENT_CERT CLIENT_KEY PARLEY_SIDE LOG

PARLEY_SIDE says which end is parleyd: `server` (it is UPSTREAM: peers connect to LISTEN),
`client` (it connects to LISTEN). Plaintext is relayed until the receiving side's <proceed/>;
then TLS is ended on both legs (towards the initiator with SERVER_CERT, towards the receiver
with CLIENT_CERT as client certificate; nothing is verified) and the relay goes on. Only bytes
coming from parleyd are rewritten: <features xmlns='http://etherx.jabber.org/streams'> ->
<stream:features>, <error xmlns=...streams> -> <stream:error>, <result|verify
xmlns='jabber:server:dialback'> -> <db:result|db:verify> (and their end tags; a crude byte
rewrite, good for these scenarios only). Every chunk both ways goes to LOG, decrypted.

How it was run (2026-12-07, a copy of federate.sh, not committed): parleyd's xmpp-s2s on
127.0.0.2:5299 with `hosts: "b.test=127.0.0.4:5269,conference.b.test=127.0.0.4:5269"`; one
proxy on 127.0.0.2:5269 -> 127.0.0.2:5299 (SERVER a.test, CLIENT b.test, PARLEY_SIDE server:
ejabberd's streams to a.test / conference.a.test) and one on 127.0.0.4:5269 -> 127.0.0.3:5269
(SERVER b.test, CLIENT a.test, PARLEY_SIDE client: parleyd's streams to b.test); both need
a.test's and b.test's keys from the harness's temp dir. With it, `--a parley --b ejabberd`
passed federation.py (45 checks) and federation_muc.py (40) in dialback and external mode.
"""
import asyncio, re, ssl, sys

listen, upstream, scert, skey, ccert, ckey, parley_side, logpath = sys.argv[1:9]
lh, lp = listen.rsplit(":", 1); uh, up = upstream.rsplit(":", 1)
log = open(logpath, "a", buffering=1)

RULES = [
    (rb"<features xmlns='http://etherx.jabber.org/streams'>", b"<stream:features>"),
    (rb"<features xmlns='http://etherx.jabber.org/streams'/>", b"<stream:features/>"),
    (rb"</features>", b"</stream:features>"),
    (rb"<error xmlns='http://etherx.jabber.org/streams'>", b"<stream:error>"),
    (rb"</error></stream:stream>", b"</stream:error></stream:stream>"),
    (rb"<(result|verify) xmlns='jabber:server:dialback'", rb"<db:\1"),
    (rb"</(result|verify)>", rb"</db:\1>"),
]

def rewrite(data):
    for pat, rep in RULES:
        data = re.sub(pat, rep, data)
    return data

def sctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(scert, skey)
    c.verify_mode = ssl.CERT_NONE
    c.check_hostname = False
    return c

def cctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
    c.load_cert_chain(ccert, ckey)
    return c

n = 0
async def handle(cr, cw):
    global n; n += 1; cid = n
    sr, sw = await asyncio.open_connection(uh, int(up))
    tls = asyncio.Event(); state = {"tls": False}
    def L(d, b): log.write(f"[{cid}] {d} {'TLS' if state['tls'] else 'TCP'} {b.decode('utf-8', 'replace')}\n")
    async def pipe(r, w, direction, from_parley, stop_on_proceed):
        pending = b""
        while True:
            try:
                data = await r.read(65536)
            except Exception as e:
                L(direction, f"<<read error {e}>>".encode()); data = b""
            if not data:
                try: w.close()
                except Exception: pass
                return
            data = pending + data; pending = b""
            lt = data.rfind(b"<")
            if lt != -1 and data.find(b">", lt) == -1:
                data, pending = data[:lt], data[lt:]
            orig = data
            if from_parley:
                data = rewrite(data)
            L(direction, orig if orig == data else orig + b"  ==REWRITTEN==> " + data)
            w.write(data)
            if stop_on_proceed and not state["tls"] and b"<proceed" in data:
                # no await between writing <proceed/> and start_tls: the ClientHello that
                # follows must reach the TLS protocol, not the plaintext reader
                state["tls"] = True
                await cw.start_tls(sctx())
                await sw.start_tls(cctx())
                return "proceed"
            if not state["tls"] and b"<starttls" in data and direction == "init->recv":
                await w.drain()
                return "starttls"
            await w.drain()
    # phase 1: plaintext until the receiver sends <proceed/>
    c2s = asyncio.create_task(pipe(cr, sw, "init->recv", parley_side == "client", False))
    s2c = asyncio.create_task(pipe(sr, cw, "recv->init", parley_side == "server", True))
    r = await s2c
    if r != "proceed":
        c2s.cancel(); return
    await c2s
    L("----", b"TLS up both legs")
    await asyncio.gather(pipe(cr, sw, "init->recv", parley_side == "client", False),
                         pipe(sr, cw, "recv->init", parley_side == "server", False), return_exceptions=True)

async def main():
    srv = await asyncio.start_server(handle, lh, int(lp))
    async with srv: await srv.serve_forever()
asyncio.run(main())
