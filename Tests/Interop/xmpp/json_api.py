#!/usr/bin/env python3
"""The JSON event API (text-chat's /api/events) with a real WebSocket client.

A `websockets` client gets `hello` (schema version 1), is refused commands before it logs
in and every message that is not a command (each with its code), logs in as alice through
the portal, then: a slixmpp client (bob, over TCP c2s) and alice exchange chat messages;
alice joins #dev, where bob is in the MUC room dev@conference.DOMAIN, and sees him in the
occupant list and the history; groupchat goes both ways; bob's hostile nick-free text
arrives as one JSON string. Then the bounds: a binary message closes with 1003, a message
over http-max-message with 1009, a page from another origin and an unknown subprotocol are
refused at the handshake, and alice's session is not disturbed by any of it; a connection
that does not log in is told `login-timeout` and closed with 1008; `quit` says `bye` and
closes with 1000.
"""
import asyncio
import json

import websockets
from websockets.asyncio.client import connect

import common
import ws_peer
from muc import config_form, is_from
from ws_peer import close_code


def parser():
    p = ws_peer.parser(__doc__)
    p.add_argument("--max-message", type=int, required=True)
    p.add_argument("--login-timeout", type=float, required=True)
    return p


async def recv_json(ws, timeout=common.STEP_TIMEOUT):
    return await ws_peer.recv_text(ws, json.loads, timeout)


async def recv_until(ws, pred, timeout=common.STEP_TIMEOUT):
    return await ws_peer.recv_until(ws, json.loads, pred, timeout)


async def handshake_status(url, **kw):
    try:
        ws = await connect(url, open_timeout=5, **kw)
    except websockets.exceptions.InvalidStatus as refused:
        return refused.response.status_code
    await ws.close()
    return 101


async def body(sc):
    a = sc.args
    n = common.nonce()
    url = f"ws://{a.host}:{a.http_port}/api/events"
    room = f"dev@conference.{a.domain}"

    sc.step("bob logs in over TCP and enters dev (slixmpp)")
    bob = await sc.client(a.bob_user, a.bob_password, resource="tcp", plugins=["xep_0045"]).login_or_fail("login_bob")
    bob.presence()
    await bob.barrier()
    mark = bob.mark()
    bob.plugin["xep_0045"].join_muc(room, "Bob")
    sc.require("bob_in_room", await bob.wait_for("presence", is_from(f"{room}/Bob"), since=mark) is not None)
    said = bob.Message()
    said["to"] = room
    said["type"] = "groupchat"
    said["body"] = f"before alice {n}"
    said.send()
    await bob.wait_for("message", common.body_contains(f"before alice {n}"), since=mark)

    sc.step("hello, and refusals before login")
    ws = await connect(url, open_timeout=5, subprotocols=["parley-events.v1"])
    sc.check("subprotocol_chosen", ws.subprotocol == "parley-events.v1", ws.subprotocol)
    hello = await recv_json(ws)
    sc.check("hello_v1", hello == {"type": "hello", "version": 1, "server": "parley", "domain": a.domain}, hello)
    for text, code in [
        ("not json", "not-json"),
        ("[1, 2]", "not-an-object"),
        ('{"type":"launch","id":"x1"}', "unknown-command"),
        ('{"type":"say","room":"dev"}', "missing-field"),
        ('{"type":"join","room":"dev","id":"j0"}', "not-logged-in"),
    ]:
        await ws.send(text)
        answer = await recv_json(ws)
        sc.check(f"refused_{code}", answer.get("type") == "error" and answer.get("code") == code, answer)
    sc.check("refusal_keeps_id", answer.get("id") == "j0", answer)

    sc.step("login through the portal")
    await ws.send(json.dumps({"type": "login", "user": a.alice_user, "password": "wrong", "id": "l0"}))
    refused = await recv_json(ws)
    sc.check("wrong_password_refused", refused.get("code") == "not-authorized" and refused.get("id") == "l0", refused)
    await ws.send(json.dumps({"type": "login", "user": a.alice_user, "password": a.alice_password, "id": "l1"}))
    ok = await recv_until(ws, lambda o: o.get("id") == "l1")
    session = ok.get("session", "")
    sc.require("logged_in", ok.get("type") == "ok" and session.startswith(f"{a.alice_user}@{a.domain}/"), ok)

    sc.step("chat both ways with bob")
    mark = bob.mark()
    await ws.send(json.dumps({"type": "msg", "to": a.bob_user, "text": f"hi bob {n} <b>&amp;</b>", "id": "m1"}))
    got = await bob.wait_for("message", common.body_contains(f"hi bob {n} <b>&amp;</b>"), since=mark)
    sc.check("bob_receives_chat", got is not None and got.get("from") == session, got is not None and got.get("from"))
    reply = bob.Message()
    reply["to"] = session
    reply["type"] = "chat"
    hostile = f'reply {n} "}},{{"type":"closed"}}\n<img src=x onerror=alert(1)>'
    reply["body"] = hostile
    reply.send()
    event = await recv_until(ws, lambda o: o.get("type") == "message")
    sc.check("alice_receives_chat_as_one_string",
             event.get("body") == hostile and event.get("from") == f"{a.bob_user}@{a.domain}/tcp" and event.get("kind") == "chat",
             event)

    sc.step("alice asks to see bob's presence; bob allows it; the contact list shows him")
    mark = bob.mark()
    await ws.send(json.dumps({"type": "subscribe", "to": a.bob_user, "id": "s1"}))
    ack = await recv_until(ws, lambda o: o.get("id") == "s1")
    sc.check("subscribe_acknowledged", ack == {"type": "ok", "command": "subscribe", "id": "s1"}, ack)
    asked = await bob.wait_for("presence", lambda x: x.get("type") == "subscribe", since=mark)
    sc.check("bob_asked", asked is not None and common.bare(asked.get("from") or "") == f"{a.alice_user}@{a.domain}")
    bob.send_presence(pto=f"{a.alice_user}@{a.domain}", ptype="subscribed")
    answer = await recv_until(ws, lambda o: o.get("type") == "subscription")
    sc.check("alice_told_subscribed", answer.get("request") == "subscribed" and answer.get("from") == f"{a.bob_user}@{a.domain}", answer)
    await ws.send(json.dumps({"type": "contacts", "id": "c1"}))
    contacts = await recv_until(ws, lambda o: o.get("id") == "c1")
    listed = [c for c in contacts.get("contacts", []) if c.get("address") == f"{a.bob_user}@{a.domain}"]
    sc.check("contacts_list_bob", contacts.get("type") == "contacts" and len(listed) == 1, contacts)

    sc.step("alice joins dev: locked until bob configures it, then occupants and history")
    await ws.send(json.dumps({"type": "join", "room": "dev", "nick": "alice", "id": "j0"}))
    locked = await recv_until(ws, lambda o: o.get("id") == "j0")
    sc.check("locked_room_refused", locked.get("type") == "error" and locked.get("code") == "room-locked", locked)
    t, _ = await bob.iq("set", config_form([]), to=room)  # XEP-0045 §10.1.2: an instant room
    sc.require("bob_unlocks_room", t == "result", t)
    await ws.send(json.dumps({"type": "join", "room": "dev", "nick": "alice", "id": "j1"}))
    joined = await recv_until(ws, lambda o: o.get("type") == "joined")
    nicks = sorted(o.get("nick") for o in joined.get("occupants", []))
    sc.check("joined_room", joined.get("room") == "dev" and joined.get("nick") == "alice", joined)
    sc.check("occupants_listed", nicks == ["Bob", "alice"], nicks)
    sc.check("history_on_entry",
             any(h.get("body") == f"before alice {n}" and h.get("from") == "Bob" for h in joined.get("history", [])),
             joined.get("history"))
    ack = await recv_until(ws, lambda o: o.get("id") == "j1")
    sc.check("join_acknowledged", ack == {"type": "ok", "command": "join", "id": "j1"}, ack)

    sc.step("groupchat both ways")
    mark = bob.mark()
    await ws.send(json.dumps({"type": "say", "room": "dev", "text": f"hello room {n}"}))
    got = await bob.wait_for("message", common.body_contains(f"hello room {n}"), since=mark)
    sc.check("bob_gets_groupchat", got is not None and got.get("from") == f"{room}/alice",
             got is not None and got.get("from"))
    said = bob.Message()
    said["to"] = room
    said["type"] = "groupchat"
    said["body"] = f"from bob {n}"
    said.send()
    event = await recv_until(ws, lambda o: o.get("type") == "room-message" and o.get("body") == f"from bob {n}")
    sc.check("alice_gets_groupchat", event.get("from") == "Bob" and event.get("room") == "dev", event)
    await ws.send(json.dumps({"type": "who", "room": "dev", "id": "w1"}))
    who = await recv_until(ws, lambda o: o.get("id") == "w1")
    sc.check("who_lists_occupants", sorted(o["nick"] for o in who.get("occupants", [])) == ["Bob", "alice"], who)

    sc.step("bounds: binary, oversized, origin, subprotocol; alice undisturbed")
    other = await connect(url, open_timeout=5)
    await recv_json(other)
    await other.send(b"\x00\x01binary")
    sc.check("binary_closes_1003", await close_code(other) == 1003)
    other = await connect(url, open_timeout=5, max_size=None)
    await recv_json(other)
    await other.send(json.dumps({"type": "ping", "token": "x" * (a.max_message + 10)}))
    sc.check("oversized_closes_1009", await close_code(other) == 1009)
    sc.check("foreign_origin_refused",
             await handshake_status(url, origin="http://evil.example") == 400)
    sc.check("same_origin_accepted",
             await handshake_status(url, origin=f"http://{a.host}:{a.http_port}") == 101)
    sc.check("unknown_subprotocol_refused",
             await handshake_status(url, subprotocols=["parley-events.v9"]) == 400)
    await ws.send(json.dumps({"type": "ping", "token": n, "id": "p1"}))
    pong = await recv_until(ws, lambda o: o.get("id") == "p1")
    sc.check("alice_undisturbed", pong == {"type": "pong", "token": n, "id": "p1"}, pong)

    sc.step("a connection that never logs in is closed after login-timeout")
    idle = await connect(url, open_timeout=5)
    await recv_json(idle)
    timed_out = await recv_json(idle, timeout=a.login_timeout + 5)
    sc.check("login_timeout_said", timed_out.get("type") == "error" and timed_out.get("code") == "login-timeout", timed_out)
    sc.check("login_timeout_closes_1008", await close_code(idle) == 1008)

    sc.step("quit")
    mark = bob.mark()
    await ws.send(json.dumps({"type": "quit", "id": "q1"}))
    bye = await recv_until(ws, lambda o: o.get("id") == "q1")
    sc.check("bye", bye.get("type") == "bye", bye)
    sc.check("quit_closes_1000", await close_code(ws) == 1000)
    left = await bob.wait_for("presence", is_from(f"{room}/alice", "unavailable"), since=mark)
    sc.check("room_sees_alice_leave", left is not None)


if __name__ == "__main__":
    common.run("json_api", parser(), body)
