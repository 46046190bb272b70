"""IRC server interop scenarios: python `irc` library clients against a live IRC server.

Usage:
  server_scenarios.py SCENARIO --host 127.0.0.1 --port 6667 [--tls-port 6697]
                      [--user alice --password alicepass --user2 bob --password2 bobpass]
                      [--channel '#dev'] [--basic] [--timeout 40] [--verbose]

Scenarios: register-cap-sasl, talk, topic, modes, kick, ban, away, whois, tls
(`all` runs every one of them in turn, each with its own clients).

Every step that passes prints `OK <step>` on stdout; a step that does not apply (with
--basic) prints `SKIP <step> (why)`. The first failing step prints
`FAIL <step>: expected …; got …` and the last lines each client received on stderr.
The last stdout line is one JSON object (what Tests/ParleydTests/Support/PythonPeer reads):
  {"scenario": NAME, "ok": BOOL, "checks": {STEP: BOOL}, "failed": [STEP], "error": STR|null}
Exit status: 0 every step passed, 1 a step failed, 2 overall timeout or unexpected error,
3 bad usage.

--basic is for servers without IRCv3 and SASL (ngircd, used to validate these scripts):
the clients then register without CAP and SASL, and the checks that need message-tags,
server-time, echo-message, away-notify, SASL or account names are skipped. Against
`parleyd irc-server` the scenarios run without --basic: every check applies.

Nothing here checks certificates: the servers under test use self-signed ones.
"""

import argparse
import base64
import contextlib
import functools
import json
import re
import signal
import ssl
import sys
import time
import traceback
import uuid

import irc.client
import irc.connection
import jaraco.stream.buffer

STEP_TIMEOUT = 6.0  # seconds to wait for one expected line
QUIET_PERIOD = 1.0  # seconds to wait before concluding that something did NOT arrive

# The capabilities every full (non --basic) scenario requests; IRCv3 capability negotiation
# (https://ircv3.net/specs/extensions/capability-negotiation).
WANTED_CAPS = ["sasl", "message-tags", "server-time", "echo-message", "away-notify", "multi-prefix"]

# server-time: ISO 8601 UTC with milliseconds (https://ircv3.net/specs/extensions/server-time).
SERVER_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class StepFailed(Exception):
    def __init__(self, step, expected, got):
        super().__init__(f"{step}: expected {expected}; got {got}")
        self.step = step


class OverallTimeout(Exception):
    pass


# --------------------------------------------------------------------------- the client

class LenientBuffer(jaraco.stream.buffer.DecodingLineBuffer):
    """UTF-8 lines; an invalid byte becomes U+FFFD instead of killing the client."""
    errors = "replace"


class ScriptedConnection(irc.client.ServerConnection):
    """A ServerConnection that can send lines (CAP LS 302) before the library's NICK/USER."""
    buffer_class = LenientBuffer
    preamble = ()

    def send_raw(self, string):
        before, self.preamble = self.preamble, ()
        for line in before:
            super().send_raw(line)
        super().send_raw(string)


class ScriptedReactor(irc.client.Reactor):
    connection_class = ScriptedConnection


class Line:
    """One event the library produced, with the raw command of the line it came from."""

    def __init__(self, raw, event):
        self.raw = raw
        self.command = raw_command(raw)
        self.type = event.type
        self.source = str(event.source or "")
        self.nick = self.source.split("!", 1)[0]
        self.target = event.target
        self.arguments = list(event.arguments or [])
        self.tags = {t["key"]: t["value"] for t in (event.tags or [])}
        self.params = raw_params(raw)

    def __repr__(self):
        return self.raw


def raw_command(raw):
    words = raw.split(" ")
    i = 0
    if words and words[0].startswith("@"):
        i += 1
    if i < len(words) and words[i].startswith(":"):
        i += 1
    return words[i].upper() if i < len(words) else ""


def raw_params(raw):
    """The parameters of a raw line (RFC 1459 §2.3.1), tags and source removed."""
    rest = raw
    if rest.startswith("@"):
        rest = rest.split(" ", 1)[1] if " " in rest else ""
    rest = rest.lstrip(" ")
    if rest.startswith(":"):
        rest = rest.split(" ", 1)[1] if " " in rest else ""
    rest = rest.lstrip(" ")
    parts = rest.split(" ", 1)
    rest = parts[1] if len(parts) > 1 else ""
    params = []
    while rest:
        rest = rest.lstrip(" ")
        if rest.startswith(":"):
            params.append(rest[1:])
            break
        word, _, rest = rest.partition(" ")
        if word:
            params.append(word)
    return params


class Peer:
    """One IRC client: every line it received, and waits on them."""

    def __init__(self, run, label, nick):
        self.run = run
        self.label = label
        self.nick = nick
        self.conn = run.reactor.server()
        self.lines = []
        self.used = set()
        self.current_raw = ""
        self.disconnected = False
        self.caps = set()
        self.offered = {}
        run.peers[id(self.conn)] = self

    # ----- receiving

    def on_event(self, event):
        if event.type == "all_raw_messages":
            self.current_raw = event.arguments[0]
            return
        if event.type == "disconnect":
            self.disconnected = True
            return
        if event.type in ("ctcp", "action") and self.lines and self.lines[-1].raw == self.current_raw:
            return  # the same line already recorded as its privmsg/pubmsg event
        self.lines.append(Line(self.current_raw, event))

    def mark(self):
        return len(self.lines)

    def _find(self, command, pred, since):
        for i in range(since, len(self.lines)):
            line = self.lines[i]
            if i in self.used or line.command != command:
                continue
            if pred is None or pred(line):
                return i
        return None

    def expect(self, step, command, pred=None, since=0, timeout=STEP_TIMEOUT, what=None):
        """Waits for a line with `command` (e.g. PRIVMSG, 903) matching `pred`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            i = self._find(command, pred, since)
            if i is not None:
                self.used.add(i)
                return self.lines[i]
            if time.monotonic() > deadline or self.disconnected:
                recent = [l.raw for l in self.lines[since:]][-8:]
                state = "disconnected; " if self.disconnected else ""
                raise StepFailed(step, f"{self.label} receives {what or command}",
                                 f"{state}after {timeout:.0f} s, last lines: {recent}")
            self.run.pump()

    def expect_any(self, step, commands, pred=None, since=0, timeout=STEP_TIMEOUT):
        """Waits for a line whose command is one of `commands`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            for command in commands:
                i = self._find(command, pred, since)
                if i is not None:
                    self.used.add(i)
                    return self.lines[i]
            if time.monotonic() > deadline or self.disconnected:
                recent = [l.raw for l in self.lines[since:]][-8:]
                raise StepFailed(step, f"{self.label} receives one of {commands}", f"last lines: {recent}")
            self.run.pump()

    def absent(self, step, command, pred=None, since=0, quiet=QUIET_PERIOD, what=None):
        """Fails when a matching line arrives within `quiet` seconds."""
        deadline = time.monotonic() + quiet
        while time.monotonic() < deadline:
            self.run.pump()
            i = self._find(command, pred, since)
            if i is not None:
                raise StepFailed(step, f"{self.label} does not receive {what or command}",
                                 self.lines[i].raw)

    def sync(self, step):
        """A PING round trip: everything the server sent before its PONG has arrived."""
        token = "sync" + uuid.uuid4().hex[:8]
        since = self.mark()
        self.send(f"PING {token}")
        self.expect(step, "PONG", lambda l: token in l.params, since=since, what=f"PONG {token}")

    # ----- sending

    def send(self, line):
        self.run.trace(f"{self.label} >> {line}")
        self.conn.send_raw(line)

    def privmsg(self, target, text):
        self.send(f"PRIVMSG {target} :{text}")

    # ----- registration

    def connect(self, tls=False, caps=None, account=None, password=None, step_prefix="", check_isupport=False):
        """Connects and registers. `caps`: capabilities to request (CAP LS 302 first);
        `account`/`password`: SASL PLAIN login (needs `sasl` in caps)."""
        run = self.run
        port = run.args.tls_port if tls else run.args.port
        if tls and not port:
            raise StepFailed(step_prefix + "connect", "a --tls-port", "none given")
        factory = irc.connection.Factory()
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            factory = irc.connection.Factory(
                wrapper=functools.partial(context.wrap_socket, server_hostname=run.args.host))
        if caps:
            self.conn.preamble = ("CAP LS 302",)
        self.run.trace(f"{self.label} connects to {run.args.host}:{port}{' (TLS)' if tls else ''} as {self.nick}")
        try:
            self.conn.connect(run.args.host, port, self.nick, username=(account or self.nick),
                              ircname=f"Parley interop {self.label}", connect_factory=factory)
        except irc.client.ServerConnectionError as error:
            raise StepFailed(step_prefix + "connect", f"a connection to port {port}", str(error))
        if caps:
            self.negotiate(caps, account, password, step_prefix)
        welcome = self.expect(step_prefix + "welcome", "001", timeout=STEP_TIMEOUT + 4)
        self.nick = welcome.params[0] if welcome.params else self.nick
        if check_isupport:
            self.expect(step_prefix + "isupport", "005")
        self.expect_any(step_prefix + "motd", ["376", "422"])

    def negotiate(self, caps, account, password, step_prefix=""):
        """CAP LS 302 / REQ / ACK, SASL PLAIN, CAP END."""
        offered = {}
        while True:  # CAP * LS * :… continues; the last line has no `*`
            line = self.expect(step_prefix + "cap_ls", "CAP", lambda l: len(l.params) >= 3 and l.params[1] == "LS")
            more = len(line.params) >= 4 and line.params[2] == "*"
            for token in line.params[-1].split():
                name, _, value = token.partition("=")
                offered[name] = value
            if not more:
                break
        self.offered = offered
        wanted = [c for c in caps if c in offered] if self.run.args.basic else list(caps)
        missing = [c for c in caps if c not in offered]
        if missing and not self.run.args.basic:
            raise StepFailed(step_prefix + "cap_ls", f"CAP LS offers {caps}", f"missing {missing}; offered {offered}")
        if wanted:
            self.send("CAP REQ :" + " ".join(wanted))
            reply = self.expect_any(step_prefix + "cap_ack", ["CAP"],
                                    lambda l: len(l.params) >= 3 and l.params[1] in ("ACK", "NAK"))
            if reply.params[1] != "ACK":
                raise StepFailed(step_prefix + "cap_ack", f"CAP ACK :{' '.join(wanted)}", reply.raw)
            acked = set(reply.params[-1].split())
            if acked != set(wanted):
                raise StepFailed(step_prefix + "cap_ack", f"ACK of exactly {wanted}", reply.raw)
            self.caps = acked
        if account is not None and "sasl" in self.caps:
            self.authenticate(account, password, step_prefix)
        self.send("CAP END")

    def authenticate(self, account, password, step_prefix="", expect_success=True):
        """SASL PLAIN (https://ircv3.net/specs/extensions/sasl-3.1): 900 + 903, or 904."""
        since = self.mark()
        self.send("AUTHENTICATE PLAIN")
        self.expect(step_prefix + "sasl_continue", "AUTHENTICATE", lambda l: l.params[:1] == ["+"], since=since,
                    what="AUTHENTICATE +")
        blob = base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()
        self.send(f"AUTHENTICATE {blob}")
        if expect_success:
            self.expect(step_prefix + "sasl_900", "900", since=since, what="900 RPL_LOGGEDIN")
            self.expect(step_prefix + "sasl_903", "903", since=since, what="903 RPL_SASLSUCCESS")
        else:
            self.expect(step_prefix + "sasl_904", "904", since=since, what="904 ERR_SASLFAIL")

    def join(self, channel, step, key=None):
        since = self.mark()
        self.send(f"JOIN {channel}" + (f" {key}" if key else ""))
        self.expect(step, "JOIN", lambda l: l.nick.lower() == self.nick.lower()
                    and l.params[:1] and l.params[0].lower() == channel.lower(), since=since,
                    what=f"its own JOIN {channel}")
        names = []
        while True:
            line = self.expect_any(step, ["353", "366"], since=since)
            if line.command == "366":
                break
            names += line.params[-1].split()
        return names

    def quit(self):
        if self.conn.connected:
            try:
                self.conn.quit("bye")
            except Exception:
                pass
            self.conn.disconnect()


# --------------------------------------------------------------------------- a run

class Run:
    def __init__(self, args):
        self.args = args
        self.reactor = ScriptedReactor()
        self.reactor.add_global_handler("all_events", self._dispatch, -100)
        self.peers = {}
        self.checks = {}
        self.soft_failures = []
        self.scenario = args.scenario

    def _dispatch(self, connection, event):
        peer = self.peers.get(id(connection))
        if peer:
            if event.type == "all_raw_messages":
                self.trace(f"{peer.label} << {event.arguments[0]}")
            peer.on_event(event)

    def trace(self, text):
        if self.args.verbose:
            print(f"  {text}", file=sys.stderr, flush=True)

    def pump(self):
        self.reactor.process_once(0.05)

    def ok(self, step):
        if self.checks.get(step) is not False:
            self.checks[step] = True
            print(f"OK {step}", flush=True)

    @contextlib.contextmanager
    def soft(self, step):
        """A step whose failure is recorded (FAIL line, exit status 1) but does not stop the
        scenario: what follows does not depend on it."""
        try:
            yield
        except StepFailed as failure:
            if self.checks.get(failure.step) is False:
                return  # reported once is enough
            self.checks[failure.step] = False
            self.soft_failures.append(str(failure))
            print(f"FAIL {failure}", file=sys.stderr, flush=True)
            print(f"FAIL {failure.step}", flush=True)

    def skip(self, step, why):
        print(f"SKIP {step} ({why})", flush=True)

    @property
    def full(self):
        return not self.args.basic

    def peer(self, label, nick):
        return Peer(self, label, nick)

    def logged_in(self, label, nick, account, password, extra_caps=(), tls=False):
        """A client registered with CAP + SASL (or, with --basic, plainly)."""
        p = self.peer(label, nick)
        if self.full:
            p.connect(tls=tls, caps=WANTED_CAPS, account=account, password=password, step_prefix=f"{label}_")
        else:
            p.connect(tls=tls, caps=WANTED_CAPS if self.args.basic_cap else None, step_prefix=f"{label}_")
        return p

    def alice(self, **kw):
        a = self.args
        return self.logged_in("alice", a.user, a.user, a.password, **kw)

    def bob(self, **kw):
        a = self.args
        return self.logged_in("bob", a.user2, a.user2, a.password2, **kw)

    def close(self):
        """QUIT every client and wait (briefly) for the server to close them, so that their
        nicks are free for whatever runs next."""
        peers = [p for p in self.peers.values() if p.conn.connected]
        for peer in peers:
            try:
                peer.conn.quit("bye")
            except Exception:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(p.conn.connected and not p.disconnected for p in peers):
            self.pump()
        for peer in peers:
            peer.quit()
        self.peers = {}


def nonce():
    return uuid.uuid4().hex[:10]


def on(channel):
    """A predicate: the line's first parameter is `channel` (case-insensitively)."""
    return lambda l: bool(l.params) and l.params[0].lower() == channel.lower()


def is_op(name, nick):
    """`name` from NAMES is `nick` with the @ prefix (maybe among others: multi-prefix)."""
    prefixes = name[:len(name) - len(name.lstrip("~&@%+"))]
    return "@" in prefixes and strip_prefixes(name).lower() == nick.lower()


def strip_prefixes(name):
    return name.split("!", 1)[0].lstrip("~&@%+")


# --------------------------------------------------------------------------- scenarios

def scenario_register_cap_sasl(run):
    """CAP LS 302 (with sasl=PLAIN), REQ of the wanted caps, AUTHENTICATE PLAIN → 900/903,
    CAP END → 001 and 005; a wrong password → 904; a duplicate nick → 433."""
    args = run.args
    if not run.full:
        p = run.peer("alice", args.user)
        p.connect(caps=WANTED_CAPS if args.basic_cap else None, step_prefix="", check_isupport=True)
        run.ok("welcome")
        run.ok("isupport")
        for step in ("cap_ls", "cap_ack", "sasl_903", "sasl_904"):
            run.skip(step, "--basic")
    else:
        p = run.peer("alice", args.user)
        p.conn.preamble = ("CAP LS 302",)
        p.conn.connect(args.host, args.port, p.nick, username=args.user, ircname="Parley interop alice")
        since = 0
        p.negotiate([], None, None)  # read the LS only: nothing requested yet
        # negotiate() sent CAP END with nothing requested; registration must not have completed
        # before it, and a server suspends registration while CAP is in progress (CAP LS 302).
        sasl_value = p.offered.get("sasl", None)
        missing = [c for c in WANTED_CAPS if c not in p.offered]
        if missing:
            raise StepFailed("cap_ls", f"CAP LS 302 offers {WANTED_CAPS}", f"offered {p.offered}")
        if "PLAIN" not in (sasl_value or "").split(","):
            raise StepFailed("cap_ls", "sasl=…PLAIN… in CAP LS 302", f"sasl={sasl_value!r}")
        run.ok("cap_ls")
        p.quit()

        p = run.peer("alice", args.user)
        p.connect(caps=WANTED_CAPS, account=args.user, password=args.password, step_prefix="", check_isupport=True)
        run.ok("cap_ack")
        run.ok("sasl_903")
        run.ok("welcome")
        run.ok("isupport")

        q = run.peer("mallory", "mallory" + nonce()[:4])
        q.conn.preamble = ("CAP LS 302",)
        q.conn.connect(args.host, args.port, q.nick, username="mallory", ircname="Parley interop mallory")
        q.expect("sasl_904", "CAP", lambda l: len(l.params) >= 3 and l.params[1] == "LS" and l.params[2] != "*")
        q.send("CAP REQ :sasl")
        q.expect("sasl_904", "CAP", lambda l: len(l.params) >= 3 and l.params[1] == "ACK")
        q.authenticate(args.user2, "wrong-password", expect_success=False)
        run.ok("sasl_904")
        q.quit()
        since = p.mark()
        p.send("WHOIS " + p.nick)
        p.expect("sasl_account", "330", since=since,
                 what=f"330 RPL_WHOISACCOUNT for its own nick (logged in as {args.user})",
                 pred=lambda l: len(l.params) >= 3 and l.params[2] == args.user)
        run.ok("sasl_account")
    r = run.peer("dup", p.nick)
    r.conn.connect(args.host, args.port, p.nick, username="dup", ircname="dup")
    r.expect("nick_in_use", "433", what="433 ERR_NICKNAMEINUSE for a nick already in use")
    run.ok("nick_in_use")


def scenario_talk(run):
    """Two clients in #dev: a PRIVMSG with client-only tags reaches the other unchanged, with
    msgid and server-time; echo-message returns it to the sender with the same msgid; the
    other answers; a private message between them."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    alice.join(channel, "alice_join")
    since = alice.mark()
    bob.join(channel, "bob_join")
    alice.expect("join_seen", "JOIN", lambda l: l.nick.lower() == bob.nick.lower(), since=since,
                 what=f"bob's JOIN {channel}")
    run.ok("join")

    text = "hello from alice " + nonce()
    a_since, b_since = alice.mark(), bob.mark()
    if run.full:
        alice.send(f"@+example.com/x=1;+example.com/note=a\\sb\\:c PRIVMSG {channel} :{text}")
    else:
        alice.privmsg(channel, text)
    got = bob.expect("message_delivered", "PRIVMSG", lambda l: l.params[-1:] == [text], since=b_since,
                     what=f"PRIVMSG {channel} :{text}")
    if got.nick.lower() != alice.nick.lower() or got.params[0].lower() != channel.lower():
        raise StepFailed("message_delivered", f":{alice.nick}!… PRIVMSG {channel}", got.raw)
    run.ok("message_delivered")
    if run.full:
        if got.tags.get("+example.com/x") != "1" or got.tags.get("+example.com/note") != "a b;c":
            raise StepFailed("client_tags_preserved", "+example.com/x=1 and +example.com/note=a\\sb\\:c",
                             got.raw)
        run.ok("client_tags_preserved")
        if not got.tags.get("msgid"):
            raise StepFailed("msgid", "a msgid tag", got.raw)
        run.ok("msgid")
        if not SERVER_TIME.match(got.tags.get("time") or ""):
            raise StepFailed("server_time", "time=YYYY-MM-DDThh:mm:ss.sssZ", got.raw)
        run.ok("server_time")
        echo = alice.expect("echo_message", "PRIVMSG", lambda l: l.params[-1:] == [text], since=a_since,
                            what="its own message back (echo-message)")
        if echo.tags.get("msgid") != got.tags.get("msgid") or echo.tags.get("+example.com/x") != "1":
            raise StepFailed("echo_message", f"the echo with msgid={got.tags.get('msgid')} and the client tag",
                             echo.raw)
        run.ok("echo_message")
    else:
        alice.absent("no_echo", "PRIVMSG", lambda l: l.params[-1:] == [text], since=a_since)
        for step in ("client_tags_preserved", "msgid", "server_time", "echo_message"):
            run.skip(step, "--basic")

    answer = "hi alice, bob here " + nonce()
    a_since = alice.mark()
    bob.privmsg(channel, answer)
    got = alice.expect("answer_delivered", "PRIVMSG", lambda l: l.params[-1:] == [answer], since=a_since,
                       what=f"bob's answer in {channel}")
    if got.nick.lower() != bob.nick.lower():
        raise StepFailed("answer_delivered", f"from {bob.nick}", got.raw)
    run.ok("answer_delivered")

    private = "just between us " + nonce()
    a_since, b_since = alice.mark(), bob.mark()
    bob.privmsg(alice.nick, private)
    got = alice.expect("private_message", "PRIVMSG", lambda l: l.params[-1:] == [private], since=a_since,
                       what="bob's private message")
    if got.params[0].lower() != alice.nick.lower() or got.nick.lower() != bob.nick.lower():
        raise StepFailed("private_message", f":{bob.nick}!… PRIVMSG {alice.nick}", got.raw)
    run.ok("private_message")

    tagged = "typing next " + nonce()
    if run.full:
        alice.send(f"@+example.com/y=z TAGMSG {bob.nick}")
        got = bob.expect("tagmsg", "TAGMSG", lambda l: l.tags.get("+example.com/y") == "z", since=b_since,
                         what="TAGMSG with +example.com/y=z")
        run.ok("tagmsg")
    else:
        run.skip("tagmsg", "--basic")
    alice.privmsg(channel, "\x01ACTION waves " + tagged + "\x01")
    got = bob.expect("action", "PRIVMSG", lambda l: l.params[-1:] == ["\x01ACTION waves " + tagged + "\x01"],
                     since=b_since, what="the CTCP ACTION unchanged")
    run.ok("action")


def scenario_topic(run):
    """The first joiner (channel operator) sets a topic with +t; both see TOPIC; a later
    joiner gets 332 and 333; a TOPIC query answers 332; a non-operator gets 482."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    names = alice.join(channel, "alice_join")
    if not any(is_op(n, alice.nick) for n in names):
        raise StepFailed("first_joiner_op", f"@{alice.nick} in NAMES", names)
    run.ok("first_joiner_op")
    bob.join(channel, "bob_join")
    alice.sync("sync")
    since = alice.mark()
    alice.send(f"MODE {channel}")
    modes = alice.expect("mode_t", "324", since=since, what="324 RPL_CHANNELMODEIS")
    if "t" not in modes.params[2]:
        since = alice.mark()
        alice.send(f"MODE {channel} +t")
        alice.expect("mode_t", "MODE", lambda l: on(channel)(l) and "t" in "".join(l.params[1:2]), since=since,
                     what=f"MODE {channel} +t")
    topic = "release on friday " + nonce()
    a_since, b_since = alice.mark(), bob.mark()
    alice.send(f"TOPIC {channel} :{topic}")
    for peer in (alice, bob):
        got = peer.expect("topic_set", "TOPIC", lambda l: on(channel)(l) and l.params[-1] == topic,
                          since=a_since if peer is alice else b_since, what=f"TOPIC {channel} :{topic}")
        if got.nick.lower() != alice.nick.lower():
            raise StepFailed("topic_set", f"the TOPIC from {alice.nick}", got.raw)
    run.ok("topic_set")

    since = bob.mark()
    bob.send(f"TOPIC {channel} :bob was here")
    bob.expect("topic_not_op", "482", since=since, what="482 ERR_CHANOPRIVSNEEDED")
    run.ok("topic_not_op")

    since = bob.mark()
    bob.send(f"TOPIC {channel}")
    got = bob.expect("topic_query", "332", since=since, what="332 RPL_TOPIC")
    if got.params[-1] != topic:
        raise StepFailed("topic_query", f"332 … :{topic}", got.raw)
    run.ok("topic_query")

    bob.send(f"PART {channel}")
    bob.sync("sync")
    since = bob.mark()
    bob.send(f"JOIN {channel}")
    got = bob.expect("topic_on_join", "332", since=since, what="332 RPL_TOPIC on JOIN")
    if got.params[-1] != topic:
        raise StepFailed("topic_on_join", f"332 … :{topic}", got.raw)
    who = bob.expect("topic_on_join", "333", since=since, what="333 RPL_TOPICWHOTIME on JOIN")
    if len(who.params) < 4 or strip_prefixes(who.params[2]).lower() != alice.nick.lower() \
            or not who.params[3].isdigit():
        raise StepFailed("topic_on_join", f"333 {bob.nick} {channel} {alice.nick}[!…] <unix time>", who.raw)
    run.ok("topic_on_join")


def scenario_modes(run):
    """+m with +v/-v (404 without voice), +o (482 before it), -o, +k (475 without the key,
    for a member who is not an operator), the mode query 324."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    alice.join(channel, "alice_join")
    bob.join(channel, "bob_join")
    alice.sync("sync")

    since = bob.mark()
    bob.send(f"MODE {channel} +o {bob.nick}")
    bob.expect("not_op_482", "482", since=since, what="482 ERR_CHANOPRIVSNEEDED")
    run.ok("not_op_482")

    def mode(step, change, *targets):
        a_since, b_since = alice.mark(), bob.mark()
        alice.send(f"MODE {channel} {change}" + "".join(" " + t for t in targets))
        for peer, since in ((alice, a_since), (bob, b_since)):
            got = peer.expect(step, "MODE", lambda l: on(channel)(l) and l.params[1] == change
                              and [t.lower() for t in l.params[2:]] == [t.lower() for t in targets], since=since,
                              what=f"MODE {channel} {change} {' '.join(targets)}")
            with run.soft("mode_source"):
                if got.nick.lower() != alice.nick.lower():
                    raise StepFailed("mode_source", f"the MODE line from :{alice.nick}!…", got.raw)

    mode("moderated", "+m")
    since = bob.mark()
    a_since = alice.mark()
    bob.privmsg(channel, "unvoiced " + nonce())
    with run.soft("moderated"):
        bob.expect("moderated", "404", since=since, what="404 ERR_CANNOTSENDTOCHAN in a +m channel")
        alice.absent("moderated", "PRIVMSG", lambda l: l.params[-1].startswith("unvoiced"), since=a_since)
        run.ok("moderated")

    with run.soft("voice"):
        mode("voice", "+v", bob.nick)
        text = "voiced " + nonce()
        since = alice.mark()
        bob.privmsg(channel, text)
        alice.expect("voice", "PRIVMSG", lambda l: l.params[-1] == text, since=since, what="the voiced message")
        run.ok("voice")

    with run.soft("devoice"):
        mode("devoice", "-v", bob.nick)
        since = bob.mark()
        bob.privmsg(channel, "devoiced " + nonce())
        bob.expect("devoice", "404", since=since, what="404 ERR_CANNOTSENDTOCHAN after -v")
        run.ok("devoice")

    mode("op", "+o", bob.nick)
    with run.soft("op"):
        since = bob.mark()
        bob.send(f"MODE {channel} -m")
        bob.expect("op", "MODE", lambda l: on(channel)(l) and l.params[1] == "-m", since=since,
                   what=f"MODE {channel} -m by bob (now an operator)")
        run.ok("op")

    since = alice.mark()
    alice.send(f"NAMES {channel}")
    names = []
    while True:
        line = alice.expect_any("names_prefixes", ["353", "366"], since=since)
        if line.command == "366":
            break
        names += line.params[-1].split()
    if not any(is_op(n, bob.nick) for n in names):
        raise StepFailed("names_prefixes", f"@{bob.nick} in NAMES", names)
    run.ok("names_prefixes")

    # The key is tried by a member who is not an operator: whether an operator passes +k
    # differs between servers (Parley exempts only the channel owner; its +o is the admin
    # affiliation), so bob is deopped first.
    mode("deop", "-o", bob.nick)
    since = bob.mark()
    bob.send(f"MODE {channel} +m")
    bob.expect("deop", "482", since=since, what="482 ERR_CHANOPRIVSNEEDED after -o")
    run.ok("deop")

    key = "k" + nonce()
    mode("key", "+k", key)
    since = alice.mark()
    alice.send(f"MODE {channel}")
    got = alice.expect("mode_query", "324", since=since, what="324 RPL_CHANNELMODEIS")
    if "k" not in got.params[2]:
        raise StepFailed("mode_query", "324 with +k", got.raw)
    run.ok("mode_query")
    bob.send(f"PART {channel}")
    bob.sync("sync")
    since = bob.mark()
    bob.send(f"JOIN {channel}")
    bob.expect("key", "475", since=since, what="475 ERR_BADCHANNELKEY without the key")
    bob.join(channel, "key", key=key)
    run.ok("key")
    run.ok("mode_source")


def scenario_kick(run):
    """A non-operator's KICK → 482; the operator's KICK with a reason reaches both; the kicked
    client is no longer in NAMES; KICK of a non-member → 441; a kick is not a ban."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    alice.join(channel, "alice_join")
    bob.join(channel, "bob_join")
    alice.sync("sync")

    since = bob.mark()
    bob.send(f"KICK {channel} {alice.nick} :no")
    bob.expect("kick_not_op", "482", since=since, what="482 ERR_CHANOPRIVSNEEDED")
    run.ok("kick_not_op")

    reason = "out you go " + nonce()
    a_since, b_since = alice.mark(), bob.mark()
    alice.send(f"KICK {channel} {bob.nick} :{reason}")
    for peer, since in ((alice, a_since), (bob, b_since)):
        got = peer.expect("kick", "KICK", lambda l: on(channel)(l) and l.params[1].lower() == bob.nick.lower(),
                          since=since, what=f"KICK {channel} {bob.nick} :{reason}")
        if got.params[-1] != reason or got.nick.lower() != alice.nick.lower():
            raise StepFailed("kick", f":{alice.nick}!… KICK {channel} {bob.nick} :{reason}", got.raw)
    run.ok("kick")

    since = alice.mark()
    alice.send(f"NAMES {channel}")
    names = []
    while True:
        line = alice.expect_any("kicked_gone", ["353", "366"], since=since)
        if line.command == "366":
            break
        names += line.params[-1].split()
    if any(strip_prefixes(n).lower() == bob.nick.lower() for n in names):
        raise StepFailed("kicked_gone", f"NAMES without {bob.nick}", names)
    run.ok("kicked_gone")

    since = alice.mark()
    alice.send(f"KICK {channel} {bob.nick} :again")
    alice.expect("kick_not_member", "441", since=since, what="441 ERR_USERNOTINCHANNEL")
    run.ok("kick_not_member")

    bob.join(channel, "rejoin_after_kick")
    run.ok("rejoin_after_kick")


def scenario_ban(run):
    """+b nick!*@* → the ban list (367/368) holds it; the banned client cannot (re)join
    (474); -b → it can."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    alice.join(channel, "alice_join")
    bob.join(channel, "bob_join")
    alice.sync("sync")

    mask = f"{bob.nick}!*@*"
    a_since, b_since = alice.mark(), bob.mark()
    alice.send(f"MODE {channel} +b {mask}")
    for peer, since in ((alice, a_since), (bob, b_since)):
        peer.expect("ban_set", "MODE", lambda l: on(channel)(l) and l.params[1] == "+b"
                    and l.params[2].lower() == mask.lower(), since=since, what=f"MODE {channel} +b {mask}")
    run.ok("ban_set")

    since = alice.mark()
    alice.send(f"MODE {channel} +b")
    got = alice.expect("ban_list", "367", since=since, what="367 RPL_BANLIST")
    if got.params[2].lower() != mask.lower():
        raise StepFailed("ban_list", f"367 … {channel} {mask}", got.raw)
    alice.expect("ban_list", "368", since=since, what="368 RPL_ENDOFBANLIST")
    run.ok("ban_list")

    # The banned client may have been removed by the ban (parleyd makes it an outcast) or may
    # still be in (ngircd keeps it, silenced): in both cases it cannot come back.
    bob.send(f"PART {channel}")
    bob.sync("sync")
    since = bob.mark()
    bob.send(f"JOIN {channel}")
    bob.expect("ban_join_474", "474", since=since, what="474 ERR_BANNEDFROMCHAN")
    run.ok("ban_join_474")

    since = alice.mark()
    alice.send(f"MODE {channel} -b {mask}")
    alice.expect("unban", "MODE", lambda l: on(channel)(l) and l.params[1] == "-b", since=since,
                 what=f"MODE {channel} -b {mask}")
    bob.join(channel, "unban")
    run.ok("unban")


def scenario_away(run):
    """AWAY :msg → 306; the other client (away-notify) sees the AWAY line; a PRIVMSG to the
    away client → 301; AWAY → 305 and an AWAY line without message."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    alice.join(channel, "alice_join")
    bob.join(channel, "bob_join")
    alice.sync("sync")

    message = "gone to lunch " + nonce()
    a_since, b_since = alice.mark(), bob.mark()
    bob.send(f"AWAY :{message}")
    bob.expect("now_away_306", "306", since=b_since, what="306 RPL_NOWAWAY")
    run.ok("now_away_306")
    if run.full:
        got = alice.expect("away_notify", "AWAY", lambda l: l.nick.lower() == bob.nick.lower(), since=a_since,
                           what=f":{bob.nick}!… AWAY :{message} (away-notify)")
        if got.params != [message]:
            raise StepFailed("away_notify", f"AWAY :{message}", got.raw)
        run.ok("away_notify")
    else:
        run.skip("away_notify", "--basic")

    since = alice.mark()
    alice.privmsg(bob.nick, "are you there?")
    got = alice.expect("away_301", "301", since=since, what="301 RPL_AWAY")
    if got.params[1].lower() != bob.nick.lower() or got.params[-1] != message:
        raise StepFailed("away_301", f"301 {alice.nick} {bob.nick} :{message}", got.raw)
    run.ok("away_301")

    a_since, b_since = alice.mark(), bob.mark()
    bob.send("AWAY")
    bob.expect("unaway_305", "305", since=b_since, what="305 RPL_UNAWAY")
    run.ok("unaway_305")
    if run.full:
        got = alice.expect("back_notify", "AWAY", lambda l: l.nick.lower() == bob.nick.lower(), since=a_since,
                           what=f":{bob.nick}!… AWAY (back, away-notify)")
        if got.params:
            raise StepFailed("back_notify", "AWAY without parameters", got.raw)
        run.ok("back_notify")
    else:
        run.skip("back_notify", "--basic")
    since = alice.mark()
    alice.privmsg(bob.nick, "welcome back")
    alice.sync("not_away_any_more")
    alice.absent("not_away_any_more", "301", since=since, what="no 301 once back")
    run.ok("not_away_any_more")


def scenario_whois(run):
    """WHOIS bob → 311 (user, host, realname), 319 (#dev), 330 (account), 318; WHOIS of an
    unknown nick → 401 and 318."""
    channel = run.args.channel
    alice = run.alice()
    bob = run.bob()
    bob.join(channel, "bob_join")

    since = alice.mark()
    alice.send(f"WHOIS {bob.nick}")
    user = alice.expect("whois_311", "311", since=since, what="311 RPL_WHOISUSER")
    with run.soft("whois_311"):
        if len(user.params) < 6 or user.params[1].lower() != bob.nick.lower() \
                or user.params[-1] != "Parley interop bob":
            raise StepFailed("whois_311", f"311 {alice.nick} {bob.nick} <user> <host> * :Parley interop bob",
                             user.raw)
        run.ok("whois_311")
    chans = alice.expect("whois_319", "319", since=since, what="319 RPL_WHOISCHANNELS")
    if channel.lower() not in [strip_prefixes(c).lower() if not c.startswith("#") else c.lower()
                               for c in chans.params[-1].split()] and \
            channel.lower() not in [c.lstrip("@+%&~").lower() for c in chans.params[-1].split()]:
        raise StepFailed("whois_319", f"319 … :{channel}", chans.raw)
    run.ok("whois_319")
    end = alice.expect("whois_318", "318", since=since, what="318 RPL_ENDOFWHOIS")
    if run.full:
        account = [l for l in alice.lines[since:] if l.command == "330"]
        if not account or account[0].params[2] != run.args.user2 or account[0].params[1].lower() != bob.nick.lower():
            raise StepFailed("whois_330", f"330 {alice.nick} {bob.nick} {run.args.user2} :… before 318",
                             [l.raw for l in alice.lines[since:]])
        run.ok("whois_330")
    else:
        run.skip("whois_330", "--basic")
    run.ok("whois_318")

    since = alice.mark()
    alice.send("WHOIS nobody" + nonce()[:5])
    alice.expect("whois_401", "401", since=since, what="401 ERR_NOSUCHNICK")
    run.ok("whois_401")


def scenario_tls(run):
    """Register over TLS on the TLS port (certificate not verified), then talk over it."""
    channel = run.args.channel
    alice = run.alice(tls=True)
    run.ok("tls_registered")
    cipher = alice.conn.socket.cipher() if hasattr(alice.conn.socket, "cipher") else None
    if not cipher:
        raise StepFailed("tls_registered", "a TLS session", "no cipher")
    bob = run.bob()
    alice.join(channel, "alice_join")
    bob.join(channel, "bob_join")
    text = "over tls " + nonce()
    since = bob.mark()
    alice.privmsg(channel, text)
    bob.expect("tls_talk", "PRIVMSG", lambda l: l.params[-1] == text, since=since, what="alice's message over TLS")
    text = "back to tls " + nonce()
    since = alice.mark()
    bob.privmsg(channel, text)
    alice.expect("tls_talk", "PRIVMSG", lambda l: l.params[-1] == text, since=since, what="bob's message over TLS")
    run.ok("tls_talk")


SCENARIOS = {
    "register-cap-sasl": scenario_register_cap_sasl,
    "talk": scenario_talk,
    "topic": scenario_topic,
    "modes": scenario_modes,
    "kick": scenario_kick,
    "ban": scenario_ban,
    "away": scenario_away,
    "whois": scenario_whois,
    "tls": scenario_tls,
}


# --------------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=list(SCENARIOS) + ["all"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-port", type=int, default=0)
    p.add_argument("--user", default="alice", help="first account (and nick)")
    p.add_argument("--password", default="alicepass")
    p.add_argument("--user2", default="bob", help="second account (and nick)")
    p.add_argument("--password2", default="bobpass")
    p.add_argument("--channel", default="#dev")
    p.add_argument("--basic", action="store_true", help="the server lacks IRCv3 and SASL (ngircd): skip those checks")
    p.add_argument("--basic-cap", action="store_true", help="with --basic: still negotiate CAP (what is offered)")
    p.add_argument("--timeout", type=float, default=40.0, help="hard overall timeout in seconds")
    p.add_argument("--verbose", action="store_true", help="trace every line on stderr")
    try:
        args = p.parse_args()
    except SystemExit as e:
        sys.exit(3 if e.code else 0)

    arm_overall_timeout(args.timeout)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    if args.scenario == "all" and not args.tls_port:
        names.remove("tls")

    def make_run(name):
        run = Run(args)
        run.scenario = name
        return run
    run_scenarios(args.scenario, SCENARIOS, names, make_run, args.timeout)


# --------------------------------------------------------------------------- the shared runner
# Every IRC interop script (this one, conformance.py, irssi_partner.py, irssi_op_partner.py)
# ends the same way: each scenario on its own Run, failures reported with the last lines the
# clients got, one JSON line last, the exit status.

def arm_overall_timeout(seconds):
    """Raises OverallTimeout in the main thread after `seconds`."""
    def on_alarm(signum, frame):
        raise OverallTimeout()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def dump_last_lines(run, count=15):
    """The last lines each client of `run` received, on stderr (after a failed step)."""
    for client in list(getattr(run, "clients", [])) + list(run.peers.values()):
        print(f"--- {client.label} ({client.nick}) last lines:", file=sys.stderr)
        for line in client.lines[-count:]:
            print(f"    {line.raw[:300]}", file=sys.stderr)


def run_scenarios(label, scenarios, names, make_run, timeout):
    """Runs each of `names` (a key of `scenarios`) on `make_run(name)`, prints the JSON line
    and exits: 0 every step passed, 1 a step failed (soft failures included), 2 overall
    timeout or unexpected error (which also stops the remaining scenarios). With several
    names, steps are reported as `name:step`."""
    checks, failed, error, status = {}, [], None, 0
    for name in names:
        run = make_run(name)
        prefix = f"{name}:" if len(names) > 1 else ""
        if prefix:
            print(f"== {name}", flush=True)
        try:
            scenarios[name](run)
        except StepFailed as failure:
            failed.append(prefix + failure.step)
            error = error or str(failure)
            status = max(status, 1)
            run.checks[failure.step] = False
            print(f"FAIL {failure}", file=sys.stderr, flush=True)
            print(f"FAIL {failure.step}", flush=True)
            dump_last_lines(run)
        except OverallTimeout:
            error = f"overall timeout of {timeout:.0f} s in {name}"
            failed.append(prefix + "timeout")
            status = 2
            print(f"FAIL {error}", file=sys.stderr, flush=True)
        except Exception as e:
            error = f"{name}: unexpected {type(e).__name__}: {e}"
            failed.append(prefix + "error")
            status = 2
            traceback.print_exc()
        finally:
            try:
                run.close()
            except Exception:
                pass
        for step, passed in run.checks.items():
            if not passed and prefix + step not in failed:
                failed.append(prefix + step)
                status = max(status, 1)
                error = error or run.soft_failures[0]
        checks.update({prefix + k: v for k, v in run.checks.items()})
        for f in failed:
            checks.setdefault(f, False)
        if status == 2:
            break
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({"scenario": label, "ok": status == 0 and bool(checks), "checks": checks,
                      "failed": failed, "error": error}), flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
