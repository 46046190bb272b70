#!/usr/bin/env python3
"""Interop (a): a slixmpp client, logged into Parley's c2s, talks to an echo bot that is an
external component of Parley's router (txecho.py: the tutorial's Twisted/tx-xmpp bot).

alice sends `hi` to the bot's domain and must get `echo: hi` back from it, as a chat
message to her full JID; then --count more numbered messages, each echoed in order.

Takes the common arguments (see Tests/Interop/xmpp/README.md) plus --bot DOMAIN,
--user/--password and --count; prints one JSON line like every scenario.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "xmpp"))

import common  # noqa: E402
from common import message_body, stanza_error  # noqa: E402


async def body(sc):
    a = sc.args
    sc.step("login")
    alice = await sc.client(a.user, a.password, resource="echo-client").login_or_fail("login")
    alice.presence()
    await alice.barrier()

    texts = ["hi"] + [f"hi {common.nonce()} #{i}" for i in range(a.count)]
    marks = alice.mark()
    for index, text in enumerate(texts):
        sc.step(f"message {index}: {text!r}")
        mark = alice.mark()
        msg = alice.Message()
        msg["to"] = a.bot
        msg["type"] = "chat"
        msg["body"] = text
        msg.send()
        got = await alice.wait_for("message", lambda x: common.bare(x.get("from")) == a.bot, since=mark)
        name = "echo_hi" if index == 0 else "echo_numbered"
        sc.require(name, got is not None, f"nothing came back from {a.bot} for {text!r}")
        sc.check(name + "_body", message_body(got) == f"echo: {text}", f"body={message_body(got)!r}")
        sc.check(name + "_not_error", got.get("type") == "chat", f"type={got.get('type')}, error={stanza_error(got)}")
        sc.check(name + "_to_sender", got.get("to") == alice.full_jid, f"to={got.get('to')}")
    replies = [message_body(x) for x in alice.matching("message", lambda x: common.bare(x.get("from")) == a.bot, since=marks)]
    sc.check("echoes_in_order", replies == [f"echo: {t}" for t in texts], f"replies={replies}")
    await alice.logout()


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    p.add_argument("--bot", required=True, help="the echo component's domain")
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--count", type=int, default=3, help="numbered messages after 'hi'")
    common.run("component_echo", p, body)
