#!/usr/bin/env python3
"""Federated multi-user chat (XEP-0045 across servers): alice@A and bob@B in each other's rooms.

Run through federate.sh (the servers come in FED_* variables), or by hand with --a-…/--b-… .

 1. room on A: alice enters dev@conference.A as Alice (creates it; a 201 room is unlocked with
    the instant-room form), bob@B enters as Bob across the servers (waiting up to
    --s2s-timeout: B -> conference.A and back are new s2s streams); bob's self-presence
    (110), each sees the other; groupchat both ways: from room/nick, body (non-ASCII) and the
    custom payload unchanged, the sender gets its own echo; the occupant lists (nicks seen
    through presence) are {Alice, Bob} on both sides;
 2. room on B: bob enters lobby@conference.B as Bob (creates it), alice@A enters as Alice across;
    the same checks there;
 3. alice leaves lobby (bob sees Alice unavailable, alice gets her own 110 unavailable), bob
    leaves dev (alice sees Bob unavailable).
Info: disco#items of each room as its occupant sees it (occupants listed or not is the
server's choice), the time of bob's first entry across.

With --irc-port (default: FED_A_IRC_PORT, which federate.sh sets only when A is parley): an
IRC user on A's IRC server (the python `irc` library, nick --irc-nick, logged in with
`PASS carol:carolpass`) joins #dev (= dev@conference.A) before the XMPP users: alice and bob
see it among the occupants (the occupant lists are {Alice, Bob, IRC nick}), it sees Alice and
Bob JOIN; bob's groupchat reaches it as PRIVMSG #dev from Bob, its PRIVMSG reaches bob as
groupchat from dev@conference.A/<nick>; hostile text both ways: bob's one-line body with
`QUIT :pwned`-style text arrives as exactly one PRIVMSG line with that text; bob's body with
CR/LF (written as &#13;&#10;) then `QUIT :pwned` / `JOIN #x` arrives as PRIVMSG lines only
(no other command, the client still connected and answering PING; the pieces are the body's
lines, the documented splitting of docs/irc-server.md); the IRC user's PRIVMSG with IRC
formatting codes (\x02 \x03 \x1f \x16 \x0f, CTCP-like \x01) reaches bob as well-formed XML (no C0
control characters, the words kept) and bob's s2s stream survives (a later message arrives).
Without it (A is Prosody) the IRC part is skipped: info `irc` "not used".
"""
import os
import re
import asyncio
import time
import xml.etree.ElementTree as ET

import fed_common
from fed_common import common
from common import CLIENT_NS, message_body, serialize
from muc import MUC_USER, DISCO_ITEMS, codes, config_form, enter

import irc.client_aio  # noqa: E402
from irc_peer import IRCPeer  # noqa: E402

TEST_NS = "urn:example:parley:test"
PAYLOAD = f"<x xmlns='{TEST_NS}'><item n='1'>v</item></x>"


def available_from(jid):
    return lambda x: x.get("from") == jid and x.get("type") is None


def occupants(client, room, since=None):
    """Nicks of `room` whose latest presence (after `since`) at `client` is available."""
    state = {}
    # COMPAT (ejabberd 23.01): the room itself sends a presence from its bare JID (with its
    # XEP-0115 caps, `<c node='http://www.process-one.net/en/ejabberd/'/>`) to each occupant,
    # and an unavailable one when the occupant leaves; that is not an occupant (no nick).
    for x in client.matching("presence", lambda x: common.bare(x.get("from")) == room
                             and common.resource_of(x.get("from")) != "", since=since):
        state[common.resource_of(x.get("from"))] = x.get("type") != "unavailable"
    return sorted(n for n, here in state.items() if here)


async def join(sc, client, room, nick, label, timeout):
    """client enters room as nick; returns its self-presence (required). Unlocks a new room."""
    m = client.mark()
    enter(client, room, nick, history={"maxstanzas": "0"})
    own = await client.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}", since=m, timeout=timeout)
    sc.require(f"{label}_self_presence", own is not None and own.get("type") != "error",
               "no self-presence" if own is None else f"error: {common.stanza_error(own)}")
    sc.check(f"{label}_self_presence_110", "110" in codes(own), codes(own))
    if "201" in codes(own):  # a new room: take the instant configuration (XEP-0045 §10.1.2)
        t, _ = await client.iq("set", config_form([]), to=room, timeout=timeout)
        sc.info[f"{label}_created_instant_room"] = t
    return m


async def groupchat(sc, sender, sender_nick, receiver, room, label, n):
    body_text = f"{label} {n}: gr\u00fc\u00dfe \u4f60\u597d \u2764"
    m_r, m_s = receiver.mark(), sender.mark()
    msg = sender.Message()
    msg["to"] = room
    msg["type"] = "groupchat"
    msg["body"] = body_text
    msg.append(ET.fromstring(PAYLOAD))
    msg.send()
    pred = lambda x: x.get("type") == "groupchat" and message_body(x) == body_text  # noqa: E731
    got = await receiver.wait_for("message", pred, since=m_r)
    sc.require(f"{label}_received", got is not None, "the groupchat did not arrive")
    sc.check(f"{label}_from_occupant", got.get("from") == f"{room}/{sender_nick}", f"from={got.get('from')}")
    want = serialize(ET.fromstring(PAYLOAD), CLIENT_NS)
    have = [serialize(e, CLIENT_NS) for e in got if e.tag.startswith(f"{{{TEST_NS}}}")]
    sc.check(f"{label}_payload_unchanged", have == [want], f"sent {want} received {have}")
    echo = await sender.wait_for("message", pred, since=m_s)
    sc.check(f"{label}_echo_to_sender", echo is not None and echo.get("from") == f"{room}/{sender_nick}",
             "no echo" if echo is None else f"from={echo.get('from')}")


async def room_round(sc, host_client, host_nick, guest, guest_nick, room, tag, n, others=()):
    """host_client (local to the room) is in it already; guest enters across servers."""
    a = sc.args
    m_host = host_client.mark()
    started = time.monotonic()
    m_guest = await join(sc, guest, room, guest_nick, f"{tag}_{guest_nick.lower()}", a.s2s_timeout)
    sc.info[f"{tag}_guest_entry_s"] = round(time.monotonic() - started, 3)
    sc.check(f"{tag}_guest_sees_host", await guest.wait_for("presence", available_from(f"{room}/{host_nick}"),
                                                            since=m_guest) is not None)
    sc.check(f"{tag}_host_sees_guest", await host_client.wait_for("presence", available_from(f"{room}/{guest_nick}"),
                                                                  since=m_host) is not None)
    await groupchat(sc, host_client, host_nick, guest, room, f"{tag}_{host_nick.lower()}_to_{guest_nick.lower()}", n)
    await groupchat(sc, guest, guest_nick, host_client, room, f"{tag}_{guest_nick.lower()}_to_{host_nick.lower()}", n)
    want = sorted([host_nick, guest_nick, *others])
    for c, label in ((host_client, host_nick), (guest, guest_nick)):
        seen = occupants(c, room)
        sc.info[f"{tag}_occupants_seen_by_{label.lower()}"] = seen
        sc.check(f"{tag}_occupants_seen_by_{label.lower()}", seen == want, f"{seen}, expected {want}")
        t, xml = await c.iq("get", ET.Element(f"{{{DISCO_ITEMS}}}query"), to=room, timeout=a.s2s_timeout)
        sc.info[f"{tag}_disco_items_for_{label.lower()}"] = (
            [i.get("jid") or i.get("name") for i in xml.iter(f"{{{DISCO_ITEMS}}}item")] if t == "result"
            else f"{t}: {common.stanza_error(xml) if xml is not None else None}")


async def leave(sc, client, nick, other, room, label):
    m_c, m_o = client.mark(), other.mark()
    p = client.Presence()
    p["to"] = f"{room}/{nick}"
    p["type"] = "unavailable"
    p.send()
    own = await client.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}"
                                and x.get("type") == "unavailable", since=m_c)
    sc.check(f"{label}_own_exit", own is not None and "110" in codes(own), "none" if own is None else codes(own))
    seen = await other.wait_for("presence", lambda x: x.get("from") == f"{room}/{nick}"
                                and x.get("type") == "unavailable", since=m_o)
    sc.check(f"{label}_seen_by_other", seen is not None, "the other occupant did not see the exit")


async def body(sc):
    a = sc.args
    n = common.nonce()
    dev = f"dev@{a.a_muc or 'conference.' + a.a_domain}"
    lobby = f"lobby@{a.b_muc or 'conference.' + a.b_domain}"
    sc.info["rooms"] = [dev, lobby]
    sc.info["irc"] = "not used" if a.irc_port is None else f"{a.irc_host}:{a.irc_port} as {a.irc_nick}"

    sc.step("login alice on A, bob on B")
    alice = await fed_common.client(sc, "a", a.alice_user, a.alice_password, resource="muc-a",
                                    plugins=["xep_0045"]).login_or_fail("login_alice")
    bob = await fed_common.client(sc, "b", a.bob_user, a.bob_password, resource="muc-b",
                                  plugins=["xep_0045"]).login_or_fail("login_bob")
    for c in (alice, bob):
        c.presence()
        await c.barrier()

    irc_user = None
    if a.irc_port is not None:
        sc.step("the IRC user joins #dev on A")
        irc_user = await irc_login(sc, a)

    sc.step(f"alice enters {dev} (room on A)")
    m_alice = alice.mark()
    await join(sc, alice, dev, "Alice", "dev_alice", common.STEP_TIMEOUT * 2)
    if irc_user is not None:
        sc.check("irc_alice_sees_irc_user",
                 await alice.wait_for("presence", available_from(f"{dev}/{a.irc_nick}"), since=m_alice) is not None)
    sc.step(f"bob@B enters {dev} across servers")
    m_bob = bob.mark()
    irc_mark = len(irc_user.events) if irc_user is not None else 0
    await room_round(sc, alice, "Alice", bob, "Bob", dev, "dev", n, others=[a.irc_nick] if irc_user else [])
    if irc_user is not None:
        await irc_round(sc, a, irc_user, bob, dev, n, m_bob, irc_mark)

    sc.step(f"bob enters {lobby} (room on B)")
    await join(sc, bob, lobby, "Bob", "lobby_bob", common.STEP_TIMEOUT * 2)
    sc.step(f"alice@A enters {lobby} across servers")
    await room_round(sc, bob, "Bob", alice, "Alice", lobby, "lobby", n)

    sc.step("leaving")
    await leave(sc, alice, "Alice", bob, lobby, "lobby_alice_leaves")
    await leave(sc, bob, "Bob", alice, dev, "dev_bob_leaves")
    await alice.logout()
    await bob.logout()


# --------------------------------------------------------------------------- the IRC user

def lines_of(text):
    """The non-empty lines of a body, cut at CR, LF and NUL like docs/irc-server.md says."""
    return [x for x in re.split(r"[\r\n\0]", text) if x]


def raw_lines(peer, since):
    """The raw IRC lines the client received from event index `since` on."""
    return [e.arguments[0] for e in peer.events[since:] if e.type == "all_raw_messages"]


def irc_command(line):
    """The command of a raw IRC line (after tags and source)."""
    parts = line.split(" ")
    while parts and (parts[0].startswith("@") or parts[0].startswith(":")):
        parts = parts[1:]
    return parts[0].upper() if parts else ""


async def irc_login(sc, a):
    peer = IRCPeer()
    peer.reactor = irc.client_aio.AioReactor(loop=asyncio.get_running_loop())
    peer.reactor.add_global_handler("all_events", peer._record)
    peer.connection = peer.reactor.server()
    try:
        await asyncio.wait_for(peer.connection.connect(a.irc_host, a.irc_port, a.irc_nick,
                                                       password=f"{a.irc_account}:{a.irc_password}"), common.STEP_TIMEOUT)
    except Exception as e:  # noqa: BLE001
        sc.require("irc_registered", False, f"cannot connect to {a.irc_host}:{a.irc_port}: {e}")
    welcome = await peer.wait(lambda e: e.type == "welcome")
    sc.require("irc_registered", welcome is not None,
               f"no 001; got {[e.type for e in peer.events if e.type != 'all_raw_messages'][:20]}")
    sc.require("irc_joined_dev", await peer.join("#dev") is not None, "no JOIN echo for #dev")
    sc.clients.append(_IRCTeardown(peer))
    return peer


class _IRCTeardown:
    """Closes the IRC connection with the scenario's clients (common.run's hard_close)."""

    def __init__(self, peer):
        self.peer = peer

    def hard_close(self):
        try:
            self.peer.connection.disconnect("done")
        except Exception:  # noqa: BLE001
            pass


async def irc_round(sc, a, peer, bob, room, n, m_bob, irc_mark):
    nick = a.irc_nick
    occupant = f"{room}/{nick}"
    sc.check("irc_bob_sees_irc_user", await bob.wait_for("presence", available_from(occupant), since=m_bob) is not None,
             f"bob@B got no available presence from {occupant}")
    for who in ("Alice", "Bob"):
        seen = await peer.wait(peer.joined(who, "#dev"), since=0)
        sc.check(f"irc_sees_{who.lower()}_join", seen is not None, f"no JOIN of {who} on #dev")

    sc.step("bob@B -> the IRC user: groupchat as PRIVMSG")
    text = f"bob to irc {n}: gr\u00fc\u00dfe \u4f60\u597d"
    mark = len(peer.events)
    send_groupchat(bob, room, text)
    got = await peer.wait(peer.said("Bob", text), since=mark, timeout=a.s2s_timeout)
    sc.check("irc_gets_bob_groupchat", got is not None,
             f"PRIVMSG lines seen: {[l for l in raw_lines(peer, mark) if irc_command(l) == 'PRIVMSG']}")

    sc.step("the IRC user -> bob@B: PRIVMSG as groupchat")
    text = f"irc to bob {n}: hello"
    m = bob.mark()
    peer.connection.privmsg("#dev", text)
    got = await bob.wait_for("message", lambda x: x.get("type") == "groupchat" and message_body(x) == text,
                             since=m, timeout=a.s2s_timeout)
    sc.check("irc_bob_gets_privmsg", got is not None, "the groupchat did not arrive")
    sc.check("irc_privmsg_from_occupant", got is not None and got.get("from") == occupant,
             None if got is None else f"from={got.get('from')}")

    sc.step("hostile text, bob@B -> IRC: one line with command-like text")
    one_line = f"hostile-1 {n} QUIT :pwned \tJOIN #evil :x PRIVMSG #dev :fake \u202eevil"
    mark = len(peer.events)
    send_groupchat(bob, room, one_line)
    got = await peer.wait(peer.said("Bob", one_line), since=mark, timeout=a.s2s_timeout)
    await asyncio.sleep(common.QUIET_PERIOD / 3)
    lines = raw_lines(peer, mark)
    sc.info["irc_hostile_one_line_lines"] = lines
    sc.check("irc_hostile_one_line_is_one_privmsg", got is not None
             and [irc_command(x) for x in lines if f"hostile-1 {n}" in x] == ["PRIVMSG"]
             and len([x for x in lines if f"hostile-1 {n}" in x]) == 1, lines)

    sc.step("hostile text, bob@B -> IRC: CR LF then commands")
    marker = f"hostile-2 {n}"
    body = f"{marker} first\r\nQUIT :pwned\r\nJOIN #evil\nPRIVMSG #dev :injected {n}\rlast"
    mark = len(peer.events)
    m_bob2 = bob.mark()
    # Raw XML so that the CRs survive (a literal CR would be normalized to LF by any parser).
    esc = common._esc(body).replace("\r", "&#13;").replace("\n", "&#10;")
    bob.send_raw(f"<message xmlns='jabber:client' to='{room}' type='groupchat' id='hostile-{n}'>"
                 f"<body>{esc}</body></message>")
    await peer.wait(lambda e: e.type == "pubmsg" and e.source.nick == "Bob" and "last" in e.arguments[0],
                    since=mark, timeout=a.s2s_timeout)
    echo = await bob.wait_for("message", lambda x: x.get("type") == "groupchat" and marker in (message_body(x) or ""),
                              since=m_bob2)
    sc.info["irc_hostile_crlf_echo_to_bob"] = None if echo is None else message_body(echo)
    # Let any injected line arrive, then make sure the connection is alive (PING/PONG).
    await asyncio.sleep(common.QUIET_PERIOD)
    pong_mark = len(peer.events)
    if peer.connection.is_connected():
        peer.connection.ping(f"alive{n}")
    pong = await peer.wait(lambda e: e.type == "pong", since=pong_mark)
    lines = raw_lines(peer, mark)
    sc.info["irc_hostile_crlf_lines"] = lines
    pieces = [e.arguments[0] for e in peer.events[mark:pong_mark] if e.type == "pubmsg" and e.source.nick == "Bob"]
    sc.info["irc_hostile_crlf_pieces"] = pieces
    others = [x for x in lines[:len(lines)] if irc_command(x) not in ("PRIVMSG", "PONG")]
    sc.check("irc_hostile_crlf_no_injected_command", not others, f"lines that are not PRIVMSG/PONG: {others}")
    sc.check("irc_hostile_crlf_from_bob_only",
             all(x.startswith(":Bob!") or x.startswith("@") and " :Bob!" in x for x in lines if irc_command(x) == "PRIVMSG"),
             lines)
    sc.check("irc_hostile_crlf_no_quit_event",
             not [e for e in peer.events[mark:] if e.type in ("quit", "disconnect", "part", "kick", "error")],
             [e.type for e in peer.events[mark:] if e.type in ("quit", "disconnect", "part", "kick", "error")])
    sc.check("irc_hostile_crlf_client_still_connected", peer.connection.is_connected() and pong is not None,
             f"connected={peer.connection.is_connected()} pong={pong is not None}")
    sc.check("irc_hostile_crlf_pieces_are_the_lines", [p for p in pieces if p] == lines_of(body),
             f"pieces {pieces}, body lines {lines_of(body)}")
    sc.info["irc_hostile_crlf_note"] = ("docs/irc-server.md: a body is cut at every CR, LF and NUL, each piece its own "
                                        "PRIVMSG; checked: only PRIVMSG lines, pieces = the body's lines")

    sc.step("hostile text, IRC -> bob@B: formatting codes")
    marker = f"irc-format {n}"
    text = f"{marker} \x02bold\x02 \x0304,01red\x03 \x1funder\x1f \x16rev\x16 \x0fplain \x01ACTION x\x01 end"
    m = bob.mark()
    peer.connection.privmsg("#dev", text)
    got = await bob.wait_for("message", lambda x: x.get("type") == "groupchat" and marker in (message_body(x) or ""),
                             since=m, timeout=a.s2s_timeout)
    body_seen = None if got is None else message_body(got)
    sc.info["irc_format_body_at_bob"] = body_seen
    sc.check("irc_format_reaches_bob", got is not None and got.get("from") == occupant,
             "nothing arrived (the stream may have been cut)" if got is None else f"from={got.get('from')}")
    sc.check("irc_format_no_c0_in_xml", body_seen is not None
             and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", body_seen), repr(body_seen))
    sc.check("irc_format_words_kept", body_seen is not None and all(w in body_seen for w in ("bold", "red", "under", "end")),
             repr(body_seen))
    after = f"irc after format {n}"
    m = bob.mark()
    peer.connection.privmsg("#dev", after)
    sc.check("irc_format_stream_survives",
             await bob.wait_for("message", lambda x: message_body(x) == after, since=m, timeout=a.s2s_timeout) is not None,
             "a plain PRIVMSG after the formatted one did not reach bob")


def send_groupchat(client, room, text):
    msg = client.Message()
    msg["to"] = room
    msg["type"] = "groupchat"
    msg["body"] = text
    msg.send()


if __name__ == "__main__":
    p = fed_common.parser(__doc__)
    common.add_user_args(p, "alice", "alice", "alicepass")
    common.add_user_args(p, "bob", "bob", "bobpass")
    p.add_argument("--a-muc", default=None, help="A's MUC service (default conference.A-DOMAIN)")
    p.add_argument("--b-muc", default=None, help="B's MUC service (default conference.B-DOMAIN)")
    env_irc = os.environ.get("FED_A_IRC_PORT")
    p.add_argument("--irc-port", type=int, default=int(env_irc) if env_irc else None,
                   help="A's IRC port (an IRC user in #dev); default FED_A_IRC_PORT; none: no IRC part")
    p.add_argument("--irc-host", default=os.environ.get("FED_A_HOST", "127.0.0.2"))
    p.add_argument("--irc-nick", default="carol_irc")
    p.add_argument("--irc-account", default="carol", help="account of PASS account:password")
    p.add_argument("--irc-password", default="carolpass")
    fed_common.run("federation_muc", p, body)
