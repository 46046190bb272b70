#!/usr/bin/env python3
"""Scenario j: a second, independent client implementation (go-sendxmpp, Go) sends a message
that a slixmpp client receives.

bob logs in with slixmpp (per --tls/--mechanism) and sends initial presence; go-sendxmpp logs
in as alice over STARTTLS (it cannot do plaintext streams; -n: certificate not verified) and
sends a message with a fresh token to bob's bare JID (go-sendxmpp cannot address a domain-only
JID). Checks: go-sendxmpp exits 0; bob receives the body unchanged, from alice's JID.
Info: go-sendxmpp's resource (from the 'from' attribute), message type, its exit output.
"""
import asyncio
import os
import shutil
import tempfile

import common
from common import message_body


async def body(sc):
    a = sc.args
    n = common.nonce()
    exe = shutil.which(a.go_sendxmpp)
    sc.require("go_sendxmpp_installed", exe is not None, f"{a.go_sendxmpp} not on PATH (scripts/install-peers)")

    sc.step("bob logs in (slixmpp)")
    bob = await sc.client(a.bob_user, a.bob_password, resource="sx-b").login_or_fail("login_bob")
    await bob.roster_get()
    bob.presence()
    await bob.barrier()

    sc.step("go-sendxmpp sends as alice")
    text = f"from go-sendxmpp {n} \u00e9\u2603"
    mb = bob.mark()
    with tempfile.TemporaryDirectory(prefix="parley-sendxmpp-") as home:
        env = dict(os.environ, HOME=home)
        cmd = [exe, "-n", "--timeout", "10", "-u", f"{a.alice_user}@{a.domain}", "-p", a.alice_password,
               "-j", f"{a.host}:{a.port}", f"{a.bob_user}@{a.domain}"]
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env)
        try:
            out, _ = await asyncio.wait_for(proc.communicate((text + "\n").encode()), 15)
        except asyncio.TimeoutError:
            proc.kill()
            out = b"(killed after 15 s)"
            await proc.wait()
    sc.info["go_sendxmpp_exit"] = proc.returncode
    sc.info["go_sendxmpp_output"] = out.decode(errors="replace").strip()[-500:]
    sc.check("go_sendxmpp_exit_0", proc.returncode == 0, f"exit {proc.returncode}: {sc.info['go_sendxmpp_output']}")

    got = await bob.wait_for("message", common.body_contains(f"from go-sendxmpp {n}"), since=mb)
    sc.require("bob_receives", got is not None, "the message did not reach bob")
    sc.check("body_unchanged", message_body(got) == text, f"body {message_body(got)!r}")
    sc.check("from_alice", common.bare(got.get("from")) == f"{a.alice_user}@{a.domain}", f"from={got.get('from')}")
    sc.info["from"], sc.info["type"] = got.get("from"), got.get("type")
    await bob.logout()


if __name__ == "__main__":
    p = common.two_user_parser(__doc__)
    p.add_argument("--go-sendxmpp", default="go-sendxmpp", help="the go-sendxmpp executable")
    common.run("sendxmpp", p, body)
