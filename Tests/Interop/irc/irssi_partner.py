"""The python `irc` side of the irssi interop scenario (Tests/ParleydTests/IRCServerInteropTests).

A real irssi (driven by the Swift test under tmux) is already registered and in the channel
when this starts. This client (alice, with CAP + SASL unless --basic) then:
  1. joins the channel and sees the irssi user in NAMES            -> OK sees_peer
  2. says --ping in the channel; the test makes irssi answer --pong -> OK peer_answered
  3. (--topic) sees irssi's TOPIC                                   -> OK peer_topic
  4. (--away) sees irssi's AWAY line (away-notify; skipped with --basic),
     gets 301 on a private message to it                            -> OK peer_away_notify, peer_away_301
  5. WHOIS of the irssi user: 311 with its realname, 319 with the
     channel, 330 with --account (skipped with --basic), 318         -> OK peer_whois
  6. waits for --bye from irssi in the channel, then quits           -> OK peer_bye
Output and exit status as in server_scenarios.py (OK lines, a JSON line last).
"""

import argparse

import server_scenarios as s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--channel", default="#dev")
    p.add_argument("--peer", required=True, help="the irssi user's nick")
    p.add_argument("--account", default=None, help="the irssi user's account (expected in 330)")
    p.add_argument("--realname", default=None, help="the irssi user's realname (expected in 311)")
    p.add_argument("--ping", required=True)
    p.add_argument("--pong", required=True)
    p.add_argument("--topic", default=None)
    p.add_argument("--away", default=None)
    p.add_argument("--bye", default=None)
    p.add_argument("--step-timeout", type=float, default=25.0, help="per step: the test drives irssi meanwhile")
    p.add_argument("--basic", action="store_true")
    p.add_argument("--basic-cap", action="store_true")
    p.add_argument("--timeout", type=float, default=90.0)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    args.tls_port = 0
    args.scenario = "irssi"

    s.arm_overall_timeout(args.timeout)
    wait = args.step_timeout

    def scenario(run):
        alice = run.logged_in("alice", args.user, args.user, args.password)
        names = alice.join(args.channel, "join")
        if args.peer.lower() not in [s.strip_prefixes(n).lower() for n in names]:
            raise s.StepFailed("sees_peer", f"{args.peer} in NAMES {args.channel}", names)
        run.ok("sees_peer")

        since = alice.mark()
        alice.privmsg(args.channel, args.ping)
        got = alice.expect("peer_answered", "PRIVMSG", lambda l: l.params[-1] == args.pong, since=since,
                           timeout=wait, what=f"{args.pong!r} from {args.peer}")
        if got.nick.lower() != args.peer.lower() or got.params[0].lower() != args.channel.lower():
            raise s.StepFailed("peer_answered", f":{args.peer}!… PRIVMSG {args.channel}", got.raw)
        if run.full and not s.SERVER_TIME.match(got.tags.get("time") or ""):
            raise s.StepFailed("peer_answered", "a server-time tag on irssi's message", got.raw)
        run.ok("peer_answered")

        if args.topic:
            alice.expect("peer_topic", "TOPIC", lambda l: l.nick.lower() == args.peer.lower()
                         and l.params[-1] == args.topic, since=since, timeout=wait,
                         what=f"TOPIC {args.channel} :{args.topic} from {args.peer}")
            run.ok("peer_topic")

        if args.away:
            if run.full:
                got = alice.expect("peer_away_notify", "AWAY", lambda l: l.nick.lower() == args.peer.lower(),
                                   since=since, timeout=wait, what=f"AWAY :{args.away} from {args.peer}")
                if got.params != [args.away]:
                    raise s.StepFailed("peer_away_notify", f"AWAY :{args.away}", got.raw)
                run.ok("peer_away_notify")
            else:
                # Without away-notify: poll with WHOIS until 301 shows the away message.
                for _ in range(int(wait * 2)):
                    m = alice.mark()
                    alice.send(f"WHOIS {args.peer}")
                    alice.expect("peer_away", "318", since=m)
                    if any(l.command == "301" for l in alice.lines[m:]):
                        break
                    s.time.sleep(0.5)
            m = alice.mark()
            alice.privmsg(args.peer, "are you there?")
            got = alice.expect("peer_away_301", "301", since=m, what="301 RPL_AWAY")
            if got.params[-1] != args.away:
                raise s.StepFailed("peer_away_301", f"301 … {args.peer} :{args.away}", got.raw)
            run.ok("peer_away_301")

        m = alice.mark()
        alice.send(f"WHOIS {args.peer}")
        user = alice.expect("peer_whois", "311", since=m, what="311 RPL_WHOISUSER")
        with run.soft("peer_realname"):
            if args.realname and user.params[-1] != args.realname:
                raise s.StepFailed("peer_realname", f"311 … :{args.realname} (irssi's real_name)", user.raw)
            run.ok("peer_realname")
        chans = alice.expect("peer_whois", "319", since=m, what="319 RPL_WHOISCHANNELS")
        if args.channel.lower() not in [c.lstrip("~&@%+").lower() for c in chans.params[-1].split()]:
            raise s.StepFailed("peer_whois", f"319 … :{args.channel}", chans.raw)
        alice.expect("peer_whois", "318", since=m, what="318 RPL_ENDOFWHOIS")
        if run.full and args.account:
            account = [l for l in alice.lines[m:] if l.command == "330"]
            if not account or account[0].params[2] != args.account:
                raise s.StepFailed("peer_whois", f"330 … {args.peer} {args.account}", [l.raw for l in alice.lines[m:]])
        run.ok("peer_whois")

        if args.bye:
            alice.expect("peer_bye", "PRIVMSG", lambda l: l.params[-1] == args.bye, since=since, timeout=wait,
                         what=f"{args.bye!r} from {args.peer}")
            run.ok("peer_bye")

    s.run_scenarios("irssi", {"irssi": scenario}, ["irssi"], lambda name: s.Run(args), args.timeout)


if __name__ == "__main__":
    main()
