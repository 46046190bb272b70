#!/usr/bin/env python3
"""The IRC gateway stops gracefully: alice (slixmpp) is in `#dev%NETWORK@irc.DOMAIN`
through the gateway, bob (python `irc`) is in #dev on the ircd; the script creates
--ready-file, the test stops `parleyd` with SIGTERM, and bob sees alice QUIT with the
gateway's reason rather than a dropped connection.
"""
import common
from irc_peer import IRCPeer, add_ircd_args
from muc import codes, login_and_enter


async def body(sc):
    a = sc.args
    room = f"#dev%{a.network}@irc.{a.domain}"
    bob = IRCPeer()
    sc.require("bob_registered", await bob.connect(a.irc_host, a.irc_port, "bob", None) is not None)
    sc.require("bob_joined", await bob.join("#dev") is not None)
    alice, mark, own = await login_and_enter(sc, "alice", a.alice_password, "desk", room, "alice")
    sc.require("alice_enters", own is not None and "110" in codes(own))
    sc.require("bob_sees_alice", await bob.wait(bob.joined("alice", "#dev")) is not None)
    open(a.ready_file, "w").close()
    quit = await bob.wait(lambda e: e.type == "quit" and e.source.nick == "alice", timeout=20)
    sc.check("quit_with_reason", quit is not None and "Gateway shutting down" in (quit.arguments[0] if quit.arguments else ""),
             quit is not None and quit.arguments)
    bob.connection.disconnect("done")


if __name__ == "__main__":
    p = common.base_parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepw")
    add_ircd_args(p)
    p.add_argument("--ready-file", required=True)
    common.run("gateway_shutdown", p, body)
