"""The python `irc` side of the irssi channel-operator scenario (IRCServerInteropTests).

A real irssi (driven by the Swift test under tmux) has created --channel, so it is its
operator (RFC 2811 §4.2.1 / modern.ircdocs.horse RPL_NAMREPLY prefixes). This client (alice,
CAP + SASL):
  1. joins and sees `@<irssi nick>` in NAMES                        -> OK peer_is_creator_op
  2. waits for irssi's `/op alice`: `:<irssi>!… MODE #chan +o alice` -> OK opped_by_peer
  3. NAMES lists both `@alice` and `@<irssi nick>`                  -> OK names_two_ops
  4. waits for --bye from irssi in the channel, then quits          -> OK peer_bye
Output and exit status as in server_scenarios.py (OK lines, a JSON line last).
"""

import argparse

import server_scenarios as s


def names_of(peer, channel, step):
    m = peer.mark()
    peer.send(f"NAMES {channel}")
    peer.expect(step, "366", since=m)
    return [n for l in peer.lines[m:] if l.command == "353" for n in l.params[-1].split()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--channel", required=True)
    p.add_argument("--peer", required=True, help="the irssi user's nick")
    p.add_argument("--bye", required=True)
    p.add_argument("--step-timeout", type=float, default=25.0, help="per step: the test drives irssi meanwhile")
    p.add_argument("--timeout", type=float, default=90.0)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    args.tls_port, args.basic, args.basic_cap, args.scenario = 0, False, False, "irssi-op"

    s.arm_overall_timeout(args.timeout)
    peer, chan = args.peer.lower(), args.channel

    def scenario(run):
        alice = run.logged_in("alice", args.user, args.user, args.password)
        since = alice.mark()
        names = alice.join(chan, "join")
        if f"@{args.peer}" not in names:
            raise s.StepFailed("peer_is_creator_op", f"@{args.peer} in NAMES {chan}", names)
        run.ok("peer_is_creator_op")

        got = alice.expect("opped_by_peer", "MODE", lambda l: l.params == [chan, "+o", alice.nick], since=since,
                           timeout=args.step_timeout, what=f"MODE {chan} +o {alice.nick}")
        if got.nick.lower() != peer:
            raise s.StepFailed("opped_by_peer", f":{args.peer}!… MODE {chan} +o {alice.nick}", got.raw)
        run.ok("opped_by_peer")

        names = names_of(alice, chan, "names_two_ops")
        if f"@{alice.nick}" not in names or f"@{args.peer}" not in names:
            raise s.StepFailed("names_two_ops", f"@{alice.nick} and @{args.peer}", names)
        run.ok("names_two_ops")

        alice.expect("peer_bye", "PRIVMSG", lambda l: l.params[-1] == args.bye and l.nick.lower() == peer,
                     since=since, timeout=args.step_timeout, what=f"{args.bye!r} from {args.peer}")
        run.ok("peer_bye")

    s.run_scenarios("irssi-op", {"irssi-op": scenario}, ["irssi-op"], lambda name: s.Run(args), args.timeout)


if __name__ == "__main__":
    main()
