#!/usr/bin/env python3
"""A small scripted IRC client on the python `irc` library, for Parley's interop tests.

It connects, registers, joins the channels given, says each --say line once it has
joined, and waits until every --expect text was seen in a PRIVMSG/NOTICE (or the timeout).
Every line it receives is printed as `RECV <line>`; the last stdout line is a JSON
summary: {"ok": bool, "checks": {...}, "info": {...}, "failed": [...]}.
"""
import argparse
import json
import sys
import time

import irc.client


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nick", required=True)
    parser.add_argument("--join", action="append", default=[])
    parser.add_argument("--say", action="append", default=[], help="TARGET:TEXT, sent after joining")
    parser.add_argument("--expect", action="append", default=[], help="text expected in a PRIVMSG or NOTICE")
    parser.add_argument("--expect-member", action="append", default=[], help="CHANNEL:NICK seen in NAMES/JOIN")
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()

    reactor = irc.client.Reactor()
    seen_text = []
    members = {}
    joined = set()
    state = {"welcome": False, "said": False, "nick": args.nick}

    def on_all(connection, event):
        # Print a readable form of what arrived (the library parses lines for us).
        if event.type == "all_raw_messages":
            return
        print("RECV", event.type, event.source or "", event.target or "", " ".join(map(str, event.arguments)),
              flush=True)

    def on_welcome(connection, event):
        state["welcome"] = True
        state["nick"] = connection.get_nickname()
        for channel in args.join:
            connection.join(channel)
        if not args.join:
            say(connection)

    def say(connection):
        if state["said"]:
            return
        state["said"] = True
        for item in args.say:
            target, text = item.split(":", 1)
            connection.privmsg(target, text)

    def on_join(connection, event):
        nick = irc.client.NickMask(event.source).nick
        members.setdefault(event.target.lower(), set()).add(nick)
        if nick == connection.get_nickname():
            joined.add(event.target.lower())
            if all(c.lower() in joined for c in args.join):
                say(connection)

    def on_namreply(connection, event):
        channel = event.arguments[1].lower()
        for name in event.arguments[2].split():
            members.setdefault(channel, set()).add(name.lstrip("~&@%+").split("!")[0])

    def on_text(connection, event):
        seen_text.append(" ".join(event.arguments))

    reactor.add_global_handler("all_events", on_all, -10)
    reactor.add_global_handler("welcome", on_welcome)
    reactor.add_global_handler("join", on_join)
    reactor.add_global_handler("namreply", on_namreply)
    for kind in ("pubmsg", "privmsg", "pubnotice", "privnotice"):
        reactor.add_global_handler(kind, on_text)

    connection = reactor.server().connect(args.host, args.port, args.nick)

    def satisfied():
        texts_ok = all(any(want in text for text in seen_text) for want in args.expect)
        members_ok = all(
            spec.split(":", 1)[1] in members.get(spec.split(":", 1)[0].lower(), set()) for spec in args.expect_member)
        return state["said"] and texts_ok and members_ok

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not satisfied():
        reactor.process_once(0.1)
    # Let the last PRIVMSGs leave before quitting.
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        reactor.process_once(0.05)
    checks = {
        "welcome": state["welcome"],
        "joined": all(c.lower() in joined for c in args.join),
        "said": state["said"],
    }
    for want in args.expect:
        checks["text:" + want] = any(want in text for text in seen_text)
    for spec in args.expect_member:
        channel, nick = spec.split(":", 1)
        checks["member:" + spec] = nick in members.get(channel.lower(), set())
    try:
        connection.quit("done")
        reactor.process_once(0.2)
    except Exception:
        pass
    failed = [name for name, ok in checks.items() if not ok]
    print(json.dumps({"ok": not failed, "checks": checks, "failed": failed,
                      "info": {"nick": state["nick"], "texts": seen_text,
                               "members": {k: sorted(v) for k, v in members.items()}}}), flush=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
