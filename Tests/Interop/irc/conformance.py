"""IRC server conformance scenarios for `parleyd irc-server` (issue 18, /work/notes/irc18-spec.md).

Usage:
  conformance.py SCENARIO --host 127.0.0.1 --port 6667 [--timeout 60]
                 [--oper-name root --oper-password rootpass] [--peer parley|inspircd] [--verbose]

Scenarios: creator-op, guest-username, who, whox, whowas, oper, lusers, invite, mode-params,
tags-too-long, away-join, cap-labeled, extended-join, setname, account-tag, chghost, utf8-only,
ping, statusmsg (`all` runs each in turn, each with its own clients).

Each scenario opens its own clients: mostly the small raw-socket `Raw` client below, and
for creator-op, who and invite also a client of the python `irc` library (irc.client,
through server_scenarios.Peer). Every passing check prints `OK <step>`; a check that does
not apply to the --peer prints `SKIP <step> (why)`; the first failing check prints
`FAIL <step>: expected …; got …`. The last stdout line is one JSON object, exit status 0/1/2/3,
exactly as in server_scenarios.py (read by Tests/ParleydTests/Support/PythonPeer.swift).

--peer parley (default): the spec's server: accounts alice/alicepass, bob/bobpass,
carol/carolpass logged in with SASL PLAIN on the plain port, server name and hosts
`localhost`, guests' user names `~user`, the opers file (root: vhost staff.localhost).
--peer inspircd: InspIRCd 3 (used to validate this script): no SASL (everyone is a guest),
the server name is taken from 001, hosts are 127.0.0.1, no `~`; checks that depend on what
only Parley does print SKIP with the reason.
"""

import argparse
import base64
import re
import socket
import sys
import time
import uuid

import server_scenarios as s

StepFailed = s.StepFailed
STEP_TIMEOUT = 5.0
QUIET = 1.0


def tok(n=8):
    return uuid.uuid4().hex[:n]


class Msg:
    """One received line, parsed (https://modern.ircdocs.horse/#messages; IRCv3 message-tags)."""

    def __init__(self, raw):
        self.raw = raw
        self.tags = {}
        rest = raw
        if rest.startswith("@"):
            tagpart, _, rest = rest[1:].partition(" ")
            for t in tagpart.split(";"):
                k, _, v = t.partition("=")
                self.tags[k] = v.replace("\\s", " ").replace("\\:", ";").replace("\\\\", "\\")
        self.source = ""
        rest = rest.lstrip(" ")
        if rest.startswith(":"):
            self.source, _, rest = rest[1:].partition(" ")
        self.nick = self.source.split("!", 1)[0]
        self.command, _, rest = rest.lstrip(" ").partition(" ")
        self.command = self.command.upper()
        self.params = s.raw_params("X " + rest)

    def __repr__(self):
        return self.raw


class Raw:
    """A raw-socket IRC client: connect, register (optional CAP REQ and SASL PLAIN), send raw
    bytes, wait for a line matching a predicate, assert that none arrives in a quiet period."""

    def __init__(self, run, label, nick=None):
        self.run, self.label = run, label
        self.nick = nick or (label + tok(4))
        self.lines, self.pos, self.buf = [], 0, b""
        self.isupport, self.caps, self.offered = {}, set(), {}
        self.server = None
        self.closed = False
        self.sock = socket.create_connection((run.args.host, run.args.port), timeout=STEP_TIMEOUT)
        run.clients.append(self)

    # ----- wire
    def send(self, line):
        data = line if isinstance(line, bytes) else line.encode()
        self.run.trace(f"{self.label} >> {data[:300]!r}")
        self.sock.sendall(data + b"\r\n")

    def _read(self, until):
        if self.closed:
            return False
        self.sock.settimeout(max(0.01, min(0.2, until - time.monotonic())))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.rstrip(b"\r").decode("utf-8", "replace")
            self.run.trace(f"{self.label} << {text[:300]}")
            msg = Msg(text)
            if msg.command == "PING" and self.run.auto_pong:
                self.sock.sendall(b"PONG :" + (msg.params[-1] if msg.params else "").encode() + b"\r\n")
            self.lines.append(msg)
        return True

    def mark(self):
        return len(self.lines)

    def expect(self, step, pred, what, since=None, timeout=STEP_TIMEOUT):
        """Waits for a line (after `since`, default: the last mark) with pred(msg) true."""
        start = self.pos if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            for i in range(start, len(self.lines)):
                if pred(self.lines[i]):
                    return self.lines[i]
            if time.monotonic() > deadline or not self._read(deadline):
                if time.monotonic() <= deadline and not self.closed:
                    continue
                got = [m.raw[:200] for m in self.lines[start:]][-8:]
                raise StepFailed(step, f"{self.label} receives {what}",
                                 ("closed; " if self.closed else "") + f"last lines: {got}")

    def cmd(self, step, command, what=None, since=None, timeout=STEP_TIMEOUT, **match):
        """expect() of a command (and params by index: p0=…, p1=…)."""
        def pred(m):
            return m.command == command and all(
                len(m.params) > int(k[1:]) and m.params[int(k[1:])] == v for k, v in match.items())
        return self.expect(step, pred, what or command, since, timeout)

    def absent(self, step, pred, what, since=None, quiet=QUIET):
        start = self.pos if since is None else since
        deadline = time.monotonic() + quiet
        while time.monotonic() < deadline and self._read(deadline):
            pass
        for m in self.lines[start:]:
            if pred(m):
                raise StepFailed(step, f"{self.label} does not receive {what}", m.raw[:300])

    def collect(self, step, send, end, since=None):
        """Sends `send`, returns every line up to the first with command `end` (inclusive)."""
        since = self.mark() if since is None else since
        self.send(send)
        last = self.cmd(step, end, since=since)
        i = self.lines.index(last, since)
        return self.lines[since:i + 1]

    def sync(self, step="sync"):
        t = "s" + tok()
        since = self.mark()
        self.send(f"PING {t}")
        self.expect(step, lambda m: m.command == "PONG" and t in m.params, f"PONG {t}", since)

    def begin(self):
        """Later expects look only at lines after now."""
        self.pos = len(self.lines)

    # ----- registration
    def register(self, user=None, realname=None, caps=(), account=None, password=None, step="register"):
        if caps or account:
            self.send("CAP LS 302")
            while True:
                m = self.expect(step, lambda m: m.command == "CAP" and len(m.params) > 2 and m.params[1] == "LS",
                                "CAP LS", self.pos)
                self.pos = self.lines.index(m) + 1
                for t in m.params[-1].split():
                    k, _, v = t.partition("=")
                    self.offered[k] = v
                if not (len(m.params) > 3 and m.params[2] == "*"):
                    break
            want = list(caps) + (["sasl"] if account else [])
            if want:
                self.send("CAP REQ :" + " ".join(want))
                m = self.expect(step, lambda m: m.command == "CAP" and m.params[1:2] in (["ACK"], ["NAK"]),
                                "CAP ACK", self.pos)
                if m.params[1] != "ACK" or set(m.params[-1].split()) != set(want):
                    raise StepFailed(step, f"CAP ACK :{' '.join(want)}", m.raw)
                self.caps = set(want)
        self.send(f"NICK {self.nick}")
        self.send(f"USER {user or self.nick} 0 * :{realname or 'Conformance ' + self.label}")
        if account:
            self.send("AUTHENTICATE PLAIN")
            self.cmd(step, "AUTHENTICATE", "AUTHENTICATE +", since=self.pos)
            blob = base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()
            self.send(f"AUTHENTICATE {blob}")
            self.cmd(step, "903", "903 RPL_SASLSUCCESS", since=self.pos)
        if caps or account:
            self.send("CAP END")
        welcome = self.cmd(step, "001", "001 RPL_WELCOME", since=self.pos, timeout=STEP_TIMEOUT + 3)
        self.nick, self.server = welcome.params[0], welcome.source
        self.expect(step, lambda m: m.command in ("376", "422"), "end of MOTD", self.pos)
        for m in self.lines:
            if m.command == "005":
                for t in m.params[1:-1]:
                    k, _, v = t.partition("=")
                    self.isupport[k.upper()] = v
        self.begin()
        return welcome

    def join(self, channel, step="join", key=None):
        since = self.mark()
        self.send(f"JOIN {channel}" + (f" {key}" if key else ""))
        self.cmd(step, "366", f"366 for {channel}", since=since)
        return [n for m in self.lines[since:] if m.command == "353" for n in m.params[-1].split()]

    def close(self):
        try:
            if not self.closed:
                self.sock.sendall(b"QUIT :bye\r\n")
                time.sleep(0.05)
            self.sock.close()
        except OSError:
            pass
        self.closed = True


class Run(s.Run):
    """server_scenarios' Run (python `irc` library peers, OK/SKIP/soft) plus raw clients."""

    def __init__(self, args):
        super().__init__(args)
        self.clients = []
        self.auto_pong = True
        self.parley = args.peer == "parley"

    def close(self):
        for c in self.clients:
            c.close()
        for p in self.peers.values():
            p.quit()
        self.reactor.process_once(0.1)

    def skip_unless_parley(self, step, why):
        """True on Parley; otherwise prints SKIP with the reason."""
        if not self.parley:
            self.skip(step, f"{self.args.peer}: {why}")
        return self.parley

    def user(self, label, role=None, caps=(), **kw):
        """A registered raw client. role alice/bob/carol logs in with SASL on Parley (nick =
        account); on other peers, and without a role, a guest with a unique nick."""
        if role and self.parley:
            c = Raw(self, label, role)
            c.register(caps=caps, account=role, password=role + "pass", step=f"{label}_register", **kw)
        else:
            c = Raw(self, label)
            c.register(caps=caps, step=f"{label}_register", **kw)
        return c

    def lib(self, label, role=None, caps=()):
        """A client of the python `irc` library (server_scenarios.Peer), registered."""
        p = self.peer(label, role if role and self.parley else label + tok(4))
        account = role if role and self.parley else None
        caps = list(caps) + (["sasl"] if account else [])
        p.connect(caps=caps or None, account=account, password=(role or "") + "pass", step_prefix=f"{label}_")
        return p

    @property
    def host(self):
        """The host part of every client's hostmask."""
        return "localhost" if self.parley else "127.0.0.1"

    def user_of(self, name):
        """The user part a guest gets for USER `name`: `~name` on Parley (spec item 2)."""
        return ("~" + name) if self.parley else name

    def channel(self, what="c"):
        return f"#{what}{tok(6)}"

    def check(self, step, cond, expected, got):
        if not cond:
            raise StepFailed(step, expected, got)
        self.ok(step)


def lines_of(msgs, command):
    return [m for m in msgs if m.command == command]


# --------------------------------------------------------------------------- 1. creator-op, statusmsg

def scenario_creator_op(run):
    """Item 1. RFC 2811 §3.1 "Standard channels" ("The user creating a channel automatically
    becomes channel operator"), §2.4.1 / RFC 1459 §1.3.1 "Channel Operators" (`~`/creator is
    only for `!` safe channels, RFC 2811 §4.1.1); modern.ircdocs.horse RPL_NAMREPLY (353), RPL_WHOREPLY
    (352), RPL_WHOISCHANNELS (319), MODE "Channel modes", KICK; IRCv3 multi-prefix.
    alice (raw) creates the channel; carol is a python `irc` library client."""
    c = run.channel()
    alice = run.user("alice", "alice")
    names = alice.join(c)
    me = alice.nick
    run.check("names_creator_op", names == [f"@{me}"], f"353 {me} = {c} :@{me}", names)
    carol = run.lib("carol", "carol", caps=["multi-prefix"])
    names = carol.join(c, "carol_join")
    run.check("names_multi_prefix", f"@{me}" in names and f"~{me}" not in names,
              f"@{me} in NAMES with multi-prefix", names)
    msgs = alice.collect("who_op_flags", f"WHO {c}", "315")
    flags = [m.params[6] for m in lines_of(msgs, "352") if m.params[5] == me]
    run.check("who_op_flags", flags == ["H@"], f"352 … {me} H@ …", [m.raw for m in msgs])
    m = carol.mark()
    carol.send(f"WHOIS {me}")
    w = carol.expect("whois_319_op", "319", since=m)
    run.check("whois_319_op", f"@{c}" in w.params[-1].split(), f"319 … :@{c}", w.raw)

    bob = run.user("bob", "bob")
    bob.join(c)
    alice.begin(); bob.begin()
    m = carol.mark()
    alice.send(f"MODE {c} +o {bob.nick}")
    want = f"{me}!{me}@{run.host}"  # SASL alice on Parley; a guest whose USER is its nick elsewhere
    for who in (alice, bob):
        got = who.cmd("mode_op_seen", "MODE", f"MODE {c} +o {bob.nick}", p0=c, p1="+o", p2=bob.nick)
        if got.source != want:
            raise StepFailed("mode_op_seen", f":{want} MODE {c} +o {bob.nick}", got.raw)
    carol.expect("mode_op_seen", "MODE", lambda l: l.params == [c, "+o", bob.nick] and l.source == want, since=m)
    run.ok("mode_op_seen")
    names = alice.collect("names_two_ops", f"NAMES {c}", "366")
    names = [n for x in lines_of(names, "353") for n in x.params[-1].split()]
    run.check("names_two_ops", f"@{me}" in names and f"@{bob.nick}" in names, f"@{me} @{bob.nick}", names)

    reason = "out " + tok()
    m = carol.mark()
    bob.send(f"KICK {c} {carol.nick} :{reason}")
    for who in (alice, bob):
        who.cmd("kick_by_opped", "KICK", p0=c, p1=carol.nick, p2=reason)
    carol.expect("kick_by_opped", "KICK", lambda l: l.params == [c, carol.nick, reason] and l.nick == bob.nick, since=m)
    run.ok("kick_by_opped")


def scenario_statusmsg(run):
    """Item 1 (STATUSMSG). modern.ircdocs.horse "STATUSMSG Parameter" and PRIVMSG ("prefixed with
    one or more channel membership prefix characters … delivered only to the members … with
    the given or higher status"); IRCv3 echo-message."""
    c = run.channel()
    alice = run.user("alice", "alice", caps=["echo-message"])
    run.check("isupport_statusmsg", "@" in alice.isupport.get("STATUSMSG", ""), "STATUSMSG containing @",
              alice.isupport)
    alice.join(c)
    bob, carol = run.user("bob", "bob"), run.user("carol", "carol")
    bob.join(c); carol.join(c)
    alice.send(f"MODE {c} +o {bob.nick}")
    bob.cmd("op_bob", "MODE", p2=bob.nick)
    bob.begin(); carol.begin(); alice.begin()
    text = "ops only " + tok()
    alice.send(f"PRIVMSG @{c} :{text}")
    bob.cmd("statusmsg_to_ops", "PRIVMSG", f"PRIVMSG @{c} :{text}", p0=f"@{c}", p1=text)
    alice.cmd("statusmsg_echo", "PRIVMSG", f"the echo PRIVMSG @{c}", p0=f"@{c}", p1=text)
    run.ok("statusmsg_to_ops"); run.ok("statusmsg_echo")
    carol.absent("statusmsg_not_to_others", lambda m: m.command == "PRIVMSG" and text in m.raw, f"{text!r}")
    run.ok("statusmsg_not_to_others")


# --------------------------------------------------------------------------- 2. guest-username

def scenario_guest_username(run):
    """Item 2. RFC 2812 §3.1.3 USER; modern.ircdocs.horse "USER message" ("If a server can't
    verify the user name … the username SHOULD be prefixed with a tilde") and ISUPPORT USERLEN;
    RPL_WELCOME (001), RPL_WHOISUSER (311), RPL_WHOREPLY (352)."""
    if not run.parley:
        run.skip("guest_tilde", "inspircd: the `~` comes only from m_ident lookups (not loaded)")
    dave = Raw(run, "dave")
    welcome = dave.register(user="myusername", realname="Real Name")
    u = run.user_of("myusername")
    mask = f"{dave.nick}!{u}@{run.host}"
    run.check("welcome_mask", welcome.params[-1].endswith(" " + mask), f"001 … {mask}", welcome.raw)
    watcher = run.user("watcher")
    msgs = watcher.collect("whois_311", f"WHOIS {dave.nick}", "318")
    got = [m.params for m in lines_of(msgs, "311")]
    run.check("whois_311", got == [[watcher.nick, dave.nick, u, run.host, "*", "Real Name"]],
              f"311 {watcher.nick} {dave.nick} {u} {run.host} * :Real Name", got)
    msgs = watcher.collect("who_user", f"WHO {dave.nick}", "315")
    got = [m.params[2] for m in lines_of(msgs, "352")]
    run.check("who_user", got == [u], f"352 user field {u}", [m.raw for m in msgs])
    text = "from dave " + tok()
    dave.send(f"PRIVMSG {watcher.nick} :{text}")
    got = watcher.cmd("privmsg_prefix", "PRIVMSG", p1=text)
    run.check("privmsg_prefix", got.source == mask, f":{mask} PRIVMSG", got.raw)

    userlen = int(dave.isupport.get("USERLEN", "0") or 0)
    if run.parley:
        run.check("isupport_userlen", userlen == 16, "USERLEN=16", dave.isupport.get("USERLEN"))
    else:
        run.check("isupport_userlen", userlen > 0, "a USERLEN", dave.isupport.get("USERLEN"))
    long_user = "abcdefghijklmnopqrstuvwxyz"
    erin = Raw(run, "erin")
    welcome = erin.register(user=long_user)
    cut = run.user_of(long_user)[:userlen]
    mask = f"{erin.nick}!{cut}@{run.host}"
    run.check("username_cut", welcome.params[-1].endswith(" " + mask), f"001 … {mask} (USERLEN {userlen})",
              welcome.raw)

    if run.skip_unless_parley("account_no_tilde", "no SASL"):
        alice = run.user("alice", "alice")
        msgs = watcher.collect("account_no_tilde", f"WHOIS {alice.nick}", "318")
        got = [m.params[2] for m in lines_of(msgs, "311")]
        run.check("account_no_tilde", got == ["alice"], "311 … alice alice localhost (no ~)", got)
    if run.parley:
        run.ok("guest_tilde")


# --------------------------------------------------------------------------- 3. who, whox

def who(client, step, mask):
    msgs = client.collect(step, f"WHO {mask}", "315")
    return msgs


def scenario_who(run):
    """Item 3. modern.ircdocs.horse "WHO message" (mask matching, "visible" users, RPL_WHOREPLY
    flags H/G, `*`, membership prefixes, RPL_ENDOFWHO with the mask) and user mode +i
    ("Invisible User Mode"); RFC 2812 §3.6.1; IRCv3 multi-prefix. The asker of `WHO *` is
    a python `irc` library client."""
    t = tok(6)
    dave = Raw(run, "dave", "d" + t)
    dave.register(user="myusername", realname="Real Name")
    m = dave.collect("umode_default_i", f"MODE {dave.nick}", "221")[-1]
    run.check("umode_default_i", m.params[1:] == ["+i"], "221 … +i", m.raw)
    dave.send(f"MODE {dave.nick} -i")
    dave.cmd("mode_minus_i", "MODE", p0=dave.nick, p1="-i")
    run.ok("mode_minus_i")
    hidden = run.user("hidden")          # +i, shares no channel with the asker
    shared = run.user("shared")          # +i, shares a channel with the asker
    c, secret = run.channel(), run.channel("s")
    asker = run.lib("asker")
    asker.join(c, "asker_join")
    shared.join(c)
    m = asker.mark()
    asker.send("WHO *")
    asker.expect("who_star", "315", lambda l: l.params[1:2] == ["*"], since=m, what="315 … * :End of WHO list")
    listed = {l.params[5] for l in asker.lines[m:] if l.command == "352"}
    run.check("who_star", {dave.nick, shared.nick, asker.nick} <= listed and hidden.nick not in listed,
              f"{dave.nick}, {shared.nick}, {asker.nick} listed, not {hidden.nick}", sorted(listed))

    msgs = who(hidden, "who_nick", dave.nick)
    got = [m.params for m in lines_of(msgs, "352")]
    want = [hidden.nick, "*", run.user_of("myusername"), run.host, hidden.server, dave.nick, "H", "0 Real Name"]
    run.check("who_nick", got == [want], "352 " + " ".join(want), got)
    dave.send("AWAY :out " + t)
    dave.cmd("away_306", "306")
    msgs = who(hidden, "who_away_g", dave.nick)
    run.check("who_away_g", [m.params[6] for m in lines_of(msgs, "352")] == ["G"], "flags G",
              [m.raw for m in msgs])
    end = msgs[-1]
    run.check("who_315_mask", end.params[1:2] == [dave.nick], f"315 … {dave.nick} :End of WHO list", end.raw)

    # WHO #c by members (multi-prefix or not) and by a non-member.
    op = run.user("op", caps=["multi-prefix"])
    ch = run.channel()
    op.join(ch)
    voiced = run.user("voiced")
    voiced.join(ch)
    dave.join(ch)
    op.send(f"MODE {ch} +v {voiced.nick}")
    op.cmd("member_modes", "MODE", f"MODE {ch} +v {voiced.nick}", p0=ch, p1="+v", p2=voiced.nick)
    voiced.send("AWAY :brb")
    voiced.cmd("member_modes", "306")
    op.sync()
    both = run.user("both")                   # +v then +o: `@+` with multi-prefix
    both.join(ch)
    for letter in "vo":
        op.send(f"MODE {ch} +{letter} {both.nick}")
        op.expect("member_modes", lambda m: m.command == "MODE" and m.params[:1] == [ch] and letter in m.params[1]
                  and both.nick in m.params[2:], f"MODE {ch} +{letter} {both.nick}")
    op.sync()
    flags = {m.params[5]: m.params[6] for m in lines_of(who(op, "who_channel_multi_prefix", ch), "352")}
    with run.soft("who_channel_multi_prefix"):   # what follows does not depend on it
        run.check("who_channel_multi_prefix", (flags.get(op.nick), flags.get(voiced.nick), flags.get(both.nick))
                  == ("H@", "G+", "H@+"), f"{op.nick} H@, {voiced.nick} G+, {both.nick} H@+", flags)
    flags = {m.params[5]: m.params[6] for m in lines_of(who(voiced, "who_channel_member", ch), "352")}
    run.check("who_channel_member", (flags.get(op.nick), flags.get(voiced.nick), flags.get(both.nick))
              == ("H@", "G+", "H@"), f"{op.nick} H@, {voiced.nick} G+, {both.nick} H@ (no multi-prefix)", flags)
    listed = {m.params[5] for m in lines_of(who(hidden, "who_channel_outsider", ch), "352")}
    run.check("who_channel_outsider", listed == {dave.nick}, f"only the visible {dave.nick}", listed)
    op.send(f"MODE {ch} +s")
    op.cmd("who_secret_channel", "MODE", p0=ch, p1="+s")
    msgs = who(hidden, "who_secret_channel", ch)
    run.check("who_secret_channel", [m.command for m in msgs] == ["315"], "only 315", [m.raw for m in msgs])

    # Masks: nick, user, host, realname; case-insensitive glob.
    byreal = Raw(run, "byreal")
    byreal.register(realname=f"Real {t.upper()}X")
    byuser = Raw(run, "byuser")
    byuser.register(user=f"u{t}")
    for x in (byreal, byuser):
        x.send(f"MODE {x.nick} -i")
        x.cmd("who_mask", "MODE", p1="-i")
    listed = {m.params[5] for m in lines_of(who(hidden, "who_mask", f"*{t}*"), "352")}
    run.check("who_mask", {dave.nick, byreal.nick} <= listed <= {dave.nick, byreal.nick, byuser.nick},
              f"{dave.nick} (nick), {byreal.nick} (realname)", listed)
    # modern.ircdocs.horse WHO: beyond the nick, servers "MAY match other user-specific values"
    if run.skip_unless_parley("who_mask_user", "matches nick, host and realname but not the user name"):
        run.check("who_mask_user", byuser.nick in listed, f"{byuser.nick} (user u{t})", listed)
    if run.skip_unless_parley("who_mask_host", "hosts are 127.0.0.1, shared by every client"):
        listed = {m.params[5] for m in lines_of(who(hidden, "who_mask_host", "*LOCALHOST"), "352")}
        run.check("who_mask_host", {dave.nick, byreal.nick} <= listed, "host matches", listed)

    # A comma list of channels: both answered, one 315 with the list as given (Parley's choice:
    # RFC 2812 §3.6.1 and modern.ircdocs.horse WHO take a single mask).
    if not run.skip_unless_parley("who_comma_list", "takes `#a,#b` as one mask: only `315 … #a,#b`"):
        return
    c2 = run.channel()
    voiced.join(c2)
    msgs = who(voiced, "who_comma_list", f"{ch},{c2}")
    got = [(m.params[1], m.params[5]) for m in lines_of(msgs, "352")]
    ends = lines_of(msgs, "315")
    voiced.absent("who_comma_list", lambda m: m.command == "315", "a second 315", since=voiced.mark())
    run.check("who_comma_list", (ch, op.nick) in got and (c2, voiced.nick) in got and len(ends) == 1
              and ends[0].params[1] == f"{ch},{c2}", f"352s for {ch} and {c2}, one 315 {ch},{c2}", got + ends)


def scenario_whox(run):
    """Item 3 (WHOX). IRCv3 "WHOX" (ircv3.net/specs/extensions/whox: fields in the order
    t c u i h s n f d l a o r, RPL_WHOSPCRPL 354, the query type token) and ISUPPORT WHOX."""
    alice = run.user("alice", "alice")
    run.check("isupport_whox", "WHOX" in alice.isupport, "ISUPPORT WHOX", sorted(alice.isupport))
    c = run.channel()
    alice.join(c)
    bob = Raw(run, "bob")
    bob.register(realname="Bob Real " + tok(4))
    bob.join(c)
    msgs = who(alice, "whox_fields", f"{c} %tcuhnfar,42")
    rows = {m.params[5]: m.params for m in lines_of(msgs, "354")}
    account = "alice" if run.parley else "0"
    want = [alice.nick, "42", c, alice.nick, run.host, alice.nick, "H@", account, f"Conformance alice"]
    run.check("whox_fields", rows.get(alice.nick) == want, "354 " + " ".join(want), rows)
    run.check("whox_guest_account_0", rows.get(bob.nick, [""] * 8)[7] == "0", "account 0 for a guest",
              rows.get(bob.nick))
    msgs = who(alice, "whox_all_fields", f"{bob.nick} %tcuihsnfdlaor,7")
    rows = [m.params for m in lines_of(msgs, "354")]
    if len(rows) != 1 or len(rows[0]) != 14:
        raise StepFailed("whox_all_fields", "one 354 with 13 fields", rows)
    r = rows[0]
    good = (r[1] == "7" and r[2] in (c, "*") and r[3] == run.user_of(bob.nick) and r[5] == run.host
            and r[6] == alice.server and r[7] == bob.nick and r[8] == "H" and r[9] == "0" and r[10].isdigit()
            and r[11] == "0" and r[13].startswith("Bob Real"))
    run.check("whox_all_fields", good,
              "354 me 7 #c user ip host server nick H 0 <idle> 0 <oplevel> :Bob Real…", r)
    if run.skip_unless_parley("whox_ip_oplevel", "ip and oplevel are server choices"):
        run.check("whox_ip_oplevel", r[4] == "255.255.255.255" and r[12] == "n/a", "i 255.255.255.255, o n/a", r)


# --------------------------------------------------------------------------- 4. whowas

def scenario_whowas(run):
    """Item 4. RFC 2812 §3.6.3 "Whowas" (RPL_WHOWASUSER 314, RPL_WHOISSERVER 312, RPL_ENDOFWHOWAS
    369, ERR_WASNOSUCHNICK 406, the count parameter); modern.ircdocs.horse "WHOWAS message"."""
    asker = run.user("asker")
    gone = "w" + tok(7)
    for i in range(2):                    # two entries for the same nick
        b = Raw(run, f"gone{i}", gone)
        b.register(realname=f"Gone Real {i}")
        b.send("QUIT :bye")
        b.expect("quit", lambda m: m.command == "ERROR", "ERROR after QUIT")
        b.close()
    asker.sync()
    msgs = asker.collect("whowas_314", f"WHOWAS {gone}", "369")
    users = [m.params for m in lines_of(msgs, "314")]
    u = run.user_of(gone)
    run.check("whowas_314", [asker.nick, gone, u, run.host, "*", "Gone Real 1"] in users and len(users) == 2,
              f"two 314 {asker.nick} {gone} {u} {run.host} * :Gone Real 1|0", users)
    servers = [m.params for m in lines_of(msgs, "312")]
    run.check("whowas_312", servers and all(p[:3] == [asker.nick, gone, asker.server] and p[3] for p in servers),
              f"312 {asker.nick} {gone} {asker.server} :<date>", servers)
    run.check("whowas_369", msgs[-1].params[1] == gone, f"369 {asker.nick} {gone} :End of WHOWAS", msgs[-1].raw)
    msgs = asker.collect("whowas_count", f"WHOWAS {gone} 1", "369")
    run.check("whowas_count", len(lines_of(msgs, "314")) == 1, "one 314 with count 1", [m.raw for m in msgs])

    # RFC 2812 §3.6.3: "a nickname which no longer exists … due to a nickname change or the user leaving IRC"
    run.skip_unless_parley("whowas_after_nick", "records WHOWAS on QUIT only (406 after a NICK change)")
    old, new = ("o" + tok(7), "n" + tok(7)) if run.parley else (None, None)
    if old:
        x = Raw(run, "renamer", old)
        x.register()
        x.send(f"NICK {new}")
        x.cmd("whowas_after_nick", "NICK", p0=new)
        msgs = asker.collect("whowas_after_nick", f"WHOWAS {old}", "369")
        got = [m.params[1] for m in lines_of(msgs, "314")]
        run.check("whowas_after_nick", got == [old], f"314 … {old} …", [m.raw for m in msgs])

    none = "zz" + tok(7)
    msgs = asker.collect("whowas_406", f"WHOWAS {none}", "369")
    run.check("whowas_406", [m.command for m in msgs] == ["406", "369"] and msgs[0].params[1] == none,
              f"406 {asker.nick} {none} :There was no such nickname, then 369", [m.raw for m in msgs])


# --------------------------------------------------------------------------- 5. oper, chghost

def oper_up(run, client, step="oper_381"):
    a = run.args
    since = client.mark()
    client.send(f"OPER {a.oper_name} {a.oper_password}")
    client.cmd(step, "381", "381 :You are now an IRC operator", since=since)
    m = client.cmd(step, "MODE", f"MODE {client.nick} :+o", since=since, p0=client.nick)
    return m


def scenario_oper(run):
    """Item 5. RFC 2812 §3.1.4 "Oper message" (381, 464, 491, 461), §3.7.1 "Kill message"
    (481, 401, ERROR, QUIT), §4.7 "Operwallops" and modern.ircdocs.horse "WALLOPS message" /
    user mode +w ("Wallops"); RPL_WHOISOPERATOR 313; WHO flag `*` and `WHO * o`; LUSERS 252."""
    a = run.args
    bad = run.user("bad")
    since = bad.mark()
    bad.send(f"OPER {a.oper_name} wrong{tok(4)}")
    if run.parley:
        bad.cmd("oper_464", "464", "464 ERR_PASSWDMISMATCH", since=since)
        run.ok("oper_464")
    else:
        bad.cmd("oper_464", "491", "491 (InspIRCd answers every failed OPER with 491)", since=since)
        run.skip("oper_464", "inspircd: a wrong password gets 491, not 464 (checked)")
    for step, line in (("oper_491_name", f"OPER nobody{tok(4)} x"),
                       ("oper_491_host", "OPER faraway farpass"), ("oper_461", "OPER")):
        bad = run.user("bad")   # a fresh client each time: InspIRCd closes on repeated failures
        bad.send(line)
        bad.cmd(step, step.split("_")[1], step.split("_")[1])
        run.ok(step)
    bad = run.user("bad")
    since = bad.mark()
    bad.send(f"KILL {bad.nick} :no")
    bad.cmd("kill_481", "481", "481 ERR_NOPRIVILEGES", since=since)
    bad.send("WALLOPS :no")
    bad.cmd("wallops_481", "481", "481 ERR_NOPRIVILEGES", since=since + 1)
    run.ok("kill_481"); run.ok("wallops_481")

    root = run.user("root")
    mode = oper_up(run, root)
    if run.parley:
        run.check("oper_381", mode.params[1:] == ["+o"], f":{root.nick} MODE {root.nick} :+o", mode.raw)
    else:
        run.check("oper_381", mode.params[1].startswith("+") and "o" in mode.params[1], "+o among the modes", mode.raw)
    msgs = bad.collect("whois_313", f"WHOIS {root.nick}", "318")
    got = [m.params for m in lines_of(msgs, "313")]
    run.check("whois_313", len(got) == 1 and got[0][1] == root.nick and (not run.parley or got[0][2] == "is an IRC operator"),
              f"313 … {root.nick} :is an IRC operator", got)
    flags = [m.params[6] for m in lines_of(who(bad, "who_oper_star", root.nick), "352")]
    want = "H*" if run.parley else None
    run.check("who_oper_star", len(flags) == 1 and ("*" in flags[0]) and (want is None or flags[0] == want),
              "352 flags H*", flags)
    root.send(f"MODE {root.nick} -i")   # visible to the stranger asking WHO
    root.cmd("who_opers_only", "MODE", p1="-i")
    vis = run.user("vis")
    vis.send(f"MODE {vis.nick} -i")
    vis.cmd("who_opers_only", "MODE", p1="-i")
    listed = {m.params[5] for m in lines_of(who(bad, "who_opers_only", "* o"), "352")}
    run.check("who_opers_only", root.nick in listed and vis.nick not in listed and bad.nick not in listed,
              f"{root.nick}, not the visible non-oper {vis.nick}", listed)

    # KILL
    c = run.channel()
    victim, watcher = run.user("victim"), run.user("watcher")
    victim.join(c); watcher.join(c)
    victim.begin(); watcher.begin()
    since = root.mark()
    root.send(f"KILL nobody{tok(4)} :x")
    root.cmd("kill_401", "401", "401 ERR_NOSUCHNICK", since=since)
    run.ok("kill_401")
    reason = "spam" + tok(4)
    root.send(f"KILL {victim.nick} :{reason}")
    err = victim.cmd("kill_error", "ERROR")
    run.check("kill_error", "Killed" in err.params[-1] and reason in err.params[-1], f"ERROR :…Killed…{reason}", err.raw)
    deadline = time.monotonic() + 3
    while not victim.closed and time.monotonic() < deadline:
        victim._read(deadline)
    run.check("kill_closed", victim.closed, "the connection closed", "still open")
    q = watcher.cmd("kill_quit_seen", "QUIT")
    want = f"Killed ({root.nick} ({reason}))"
    run.check("kill_quit_seen", q.nick == victim.nick and q.params[-1] == want, f":{victim.nick}!… QUIT :{want}", q.raw)

    # WALLOPS: to +w users only.
    watcher.send(f"MODE {watcher.nick} +w")
    watcher.cmd("wallops", "MODE", p1="+w")
    watcher.begin(); bad.begin()
    text = "wall " + tok()
    root.send(f"WALLOPS :{text}")
    w = watcher.cmd("wallops", "WALLOPS", p0=text)
    run.check("wallops", w.nick == root.nick, f":{root.nick}!… WALLOPS :{text}", w.raw)
    bad.absent("wallops_not_without_w", lambda m: m.command == "WALLOPS", "WALLOPS")
    run.ok("wallops_not_without_w")


def scenario_chghost(run):
    """Items 5 and 11 (chghost). IRCv3 "chghost" (`:nick!old@host CHGHOST newuser newhost` to
    peers that negotiated it); the opers file's vhost; RPL_WHOISUSER (311) afterwards."""
    c = run.channel()
    peer = run.user("peer", caps=["chghost"])
    peer.join(c)
    root = run.user("root")
    root.join(c)
    peer.begin()
    oper_up(run, root, "chghost_oper")
    vhost = "staff.localhost"  # the opers file (Parley) / the oper type (our InspIRCd config)
    m = peer.cmd("chghost_seen", "CHGHOST")
    old = f"{root.nick}!{run.user_of(root.nick)}@{run.host}"
    run.check("chghost_seen", m.source == old and m.params == [run.user_of(root.nick), vhost],
              f":{old} CHGHOST {run.user_of(root.nick)} {vhost}", m.raw)
    msgs = peer.collect("chghost_whois", f"WHOIS {root.nick}", "318")
    got = [m.params[3] for m in lines_of(msgs, "311")]
    run.check("chghost_whois", got == [vhost], f"311 … {vhost}", got)


# --------------------------------------------------------------------------- 6. lusers

def lusers(client, step):
    """The LUSERS numbers as {numeric: [numbers in its params]}."""
    msgs = client.collect(step, "LUSERS", "266")
    out = {}
    for m in msgs:
        if m.command in ("251", "252", "253", "254", "255", "265", "266"):
            out[m.command] = [int(x) for x in re.findall(r"\b\d+\b", " ".join(m.params[1:]))]
            out[m.command + "text"] = m.params[-1]
    return out


def scenario_lusers(run):
    """Item 6. RFC 2812 §3.4.2 "Lusers message" (RPL_LUSERCLIENT 251 … RPL_LUSERME 255) and
    modern.ircdocs.horse RPL_LOCALUSERS 265 / RPL_GLOBALUSERS 266; ERR_NOTREGISTERED 451.
    Counted as differences from a first LUSERS, so other users on the server do not matter."""
    counter = run.user("counter")
    before = lusers(counter, "lusers_before")
    n = lambda d, k, i=0: (d.get(k) or [0] * (i + 1))[i]
    inv1, inv2, vis, op = run.user("inv1"), run.user("inv2"), run.user("vis"), run.user("op")
    vis.send(f"MODE {vis.nick} -i")
    vis.cmd("lusers_setup", "MODE", p1="-i")
    inv1.join(run.channel()); inv2.join(run.channel())
    oper_up(run, op, "lusers_setup")
    raw = Raw(run, "unregistered")
    raw.send("LUSERS")
    raw.cmd("lusers_451", "451", "451 ERR_NOTREGISTERED")
    run.ok("lusers_451")
    after = lusers(counter, "lusers_after")
    d = lambda k, i=0: n(after, k, i) - n(before, k, i)
    # op is invisible too (every new user is +i): 3 more invisible users, 1 more visible.
    run.check("lusers_251", (d("251", 0), d("251", 1), n(after, "251", 2)) == (1, 3, 1) and
              after["251text"].startswith("There are "), "251 :There are <v+1> users and <i+3> invisible on 1 servers",
              (before.get("251text"), after.get("251text")))
    run.check("lusers_252", d("252") == 1, "252 <opers+1> :operator(s) online", (before.get("252"), after.get("252")))
    run.check("lusers_253", d("253") == 1, "253 <unknown+1> :unknown connection(s)",
              (before.get("253"), after.get("253")))
    run.check("lusers_254", d("254") == 2, "254 <channels+2> :channels formed", (before.get("254"), after.get("254")))
    run.check("lusers_255", d("255", 0) == 4 and n(after, "255", 1) == 0,
              "255 :I have <clients+4> clients and 0 servers", (before.get("255text"), after.get("255text")))
    run.check("lusers_265_266", d("265") == 4 and d("266") == 4 and n(after, "265", 1) >= n(after, "265")
              and n(after, "266", 1) >= n(after, "266"), "265/266 <current+4> <max>", (after.get("265"), after.get("266")))


# --------------------------------------------------------------------------- 7. invite

def scenario_invite(run):
    """Item 7. modern.ircdocs.horse "INVITE message" (RPL_INVITING 341, ERR_NOSUCHCHANNEL 403,
    ERR_NOTONCHANNEL 442, ERR_USERONCHANNEL 443, ERR_CHANOPRIVSNEEDED 482, ERR_NOSUCHNICK 401,
    RPL_AWAY 301; an invite lets the user past +i) and IRCv3 "invite-notify". The inviter `op`
    is a python `irc` library client."""
    c = run.channel()
    op = run.lib("op")
    op.join(c, "op_join")
    member = run.user("member")
    member.join(c)
    guest = run.user("guest")
    watcher = run.user("watcher", caps=["invite-notify"])
    watcher.join(c)
    opwatch = run.user("opwatch", caps=["invite-notify"])
    opwatch.join(c)
    m = op.mark()
    op.send(f"MODE {c} +o {opwatch.nick}")
    op.expect("op_join", "MODE", lambda l: l.params[-1:] == [opwatch.nick], since=m)

    def inv(who, nick, chan, command, step):
        if isinstance(who, Raw):
            since = who.mark(); who.send(f"INVITE {nick} {chan}")
            return who.cmd(step, command, since=since)
        m = who.mark(); who.send(f"INVITE {nick} {chan}")
        return who.expect(step, command, since=m)

    inv(op, guest.nick, "#nochan" + tok(6), "403", "invite_403"); run.ok("invite_403")
    inv(guest, member.nick, c, "442", "invite_442"); run.ok("invite_442")
    inv(op, member.nick, c, "443", "invite_443"); run.ok("invite_443")
    inv(op, "nobody" + tok(4), c, "401", "invite_401"); run.ok("invite_401")

    # modern.ircdocs.horse INVITE: servers "MAY reject the command with ERR_CHANOPRIVSNEEDED"
    inviter = member if run.skip_unless_parley("invite_by_member", "only (half)ops may INVITE (482), +i or not") else op
    r = inv(inviter, guest.nick, c, "341", "invite_by_member")
    if inviter is member:
        run.check("invite_by_member", r.params == [member.nick, guest.nick, c], f"341 {member.nick} {guest.nick} {c}",
                  r.raw)
    got = guest.cmd("invite_received", "INVITE", p0=guest.nick, p1=c)
    run.check("invite_received", got.nick == inviter.nick, f":{inviter.nick}!… INVITE {guest.nick} {c}", got.raw)

    m = op.mark()
    op.send(f"MODE {c} +i")
    op.expect("invite_only_482", "MODE", lambda l: l.params[:2] == [c, "+i"], since=m)
    guest2 = run.user("guest2")
    inv(member, guest2.nick, c, "482", "invite_only_482"); run.ok("invite_only_482")
    watcher.begin(); opwatch.begin()
    r = inv(op, guest2.nick, c, "341", "invite_only_by_op")
    guest2.cmd("invite_only_by_op", "INVITE", p0=guest2.nick, p1=c)
    names = guest2.join(c, "invite_only_by_op")
    run.check("invite_only_by_op", any(s.strip_prefixes(x) == guest2.nick for x in names), f"{guest2.nick} joined", names)
    got = opwatch.cmd("invite_notify", "INVITE", p0=guest2.nick, p1=c)
    run.check("invite_notify", got.nick == op.nick, f":{op.nick}!… INVITE {guest2.nick} {c} to an op", got.raw)
    watcher.absent("invite_notify_not_to_members", lambda m: m.command == "INVITE", "INVITE (it is not an op)")
    run.ok("invite_notify_not_to_members")

    # Bans, keys and limits do not stop an invited user.
    blocked = run.user("blocked")
    m = op.mark()
    op.send(f"MODE {c} +bkl {blocked.nick}!*@* k{tok(4)} 1")
    op.expect("invite_bypass", "MODE", lambda l: l.params[:1] == [c] and "b" in l.params[1], since=m)
    since = blocked.mark()
    blocked.send(f"JOIN {c}")
    blocked.expect("invite_bypass", lambda m: m.command in ("473", "474", "475", "471"), "a 47x refusal", since)
    inv(op, blocked.nick, c, "341", "invite_bypass")
    blocked.join(c, "invite_bypass")
    run.ok("invite_bypass")

    away = run.user("away")
    away.send("AWAY :on holiday " + tok(4))
    away.cmd("invite_away_301", "306")
    m = op.mark()
    op.send(f"INVITE {away.nick} {c}")
    got = op.expect("invite_away_301", "301", since=m)
    op.expect("invite_away_301", "341", since=m)
    run.check("invite_away_301", got.params[1] == away.nick and got.params[-1].startswith("on holiday"),
              f"301 … {away.nick} :on holiday…", got.raw)


# --------------------------------------------------------------------------- 8. mode-params

def modes_of(client, step, c):
    m = client.collect(step, f"MODE {c}", "324")[-1]
    return m.params[2:]


def scenario_mode_params(run):
    """Item 8. modern.ircdocs.horse ERR_INVALIDMODEPARAM (696 `<client> <target chan/user>
    <mode char> <parameter> :<description>`), "Client Limit Channel Mode" / "Key Channel Mode",
    RPL_CHANNELMODEIS (324)."""
    c = run.channel()
    alice = run.user("alice", "alice")
    alice.join(c)
    outsider = run.user("outsider")
    before = modes_of(alice, "mode_696_limit", c)

    def refused(step, line, letter, param):
        since = alice.mark()
        alice.send(line)
        got = alice.cmd(step, "696", f"696 … {c} {letter} {param}", since=since)
        # 696's <parameter> is a middle parameter: a key with a space cannot be echoed as sent
        shown = got.params[3] if len(got.params) > 4 else ""
        good = shown == param if " " not in param else (shown and " " not in shown)
        if got.params[1:3] != [c, letter] or not good:
            raise StepFailed(step, f"696 {alice.nick} {c} {letter} {param} :…", got.raw)
        alice.absent(step, lambda m: m.command == "MODE" and m.params[:1] == [c], "a MODE change", since)

    refused("mode_696_limit_negative", f"MODE {c} +l -5", "l", "-5")
    run.ok("mode_696_limit_negative")
    if run.skip_unless_parley("mode_696_limit", "sets `+l 0` for `+l 0` and for `+l abc`"):
        refused("mode_696_limit", f"MODE {c} +l 0", "l", "0")
        refused("mode_696_limit", f"MODE {c} +l abc", "l", "abc")
        run.ok("mode_696_limit")
    # InspIRCd shows the key with a space as `*` in its 696, Parley as `a_b`
    refused("mode_696_key_space", f"MODE {c} +k :a b", "k", "a b")
    run.ok("mode_696_key_space")
    if run.skip_unless_parley("mode_696_key_comma", "drops the comma and sets the key `ab`"):
        refused("mode_696_key_comma", f"MODE {c} +k a,b", "k", "a,b")
        run.ok("mode_696_key_comma")
    run.check("mode_unchanged", modes_of(alice, "mode_unchanged", c) == before, f"modes still {before}", "changed")
    key = "secret" + tok(4)
    alice.send(f"MODE {c} +lk 5 {key}")
    alice.cmd("mode_324_member", "MODE", p0=c)
    got = modes_of(alice, "mode_324_member", c)
    letters = got[0] if got else ""
    run.check("mode_324_member", sorted(letters[1:]) == sorted("ntlk") and
              got[1:] == (["5", key] if letters.index("l") < letters.index("k") else [key, "5"]),
              f"324 … {c} +ntlk 5 {key}", got)
    got = modes_of(outsider, "mode_324_outsider", c)
    if run.parley:
        run.check("mode_324_outsider", got == [letters], f"324 … {c} {letters} (no parameters)", got)
    else:
        run.check("mode_324_outsider_no_key", key not in " ".join(got), f"324 … {c} without the key", got)
        run.skip("mode_324_outsider", "inspircd: shows non-members the limit and `<key>` in place of the key")


# --------------------------------------------------------------------------- 9. tags-too-long

def scenario_tags_too_long(run):
    """Item 9. IRCv3 "Message Tags" ("Size limit": "Clients MUST NOT send messages with tag
    data exceeding 4094 bytes"; "Servers MUST reply with the ERR_INPUTTOOLONG (417) error
    numeric if a client sends a message with more tag data than the allowed limit") and
    modern.ircdocs.horse ERR_INPUTTOOLONG: 5000 bytes of tag data, and on Parley also a line
    past the framer's limit (9000 bytes of tags), each answered with 417, not delivered, and
    the connection goes on."""
    c = run.channel()
    alice = run.user("alice", "alice", caps=["message-tags"])
    bob = run.user("bob", "bob", caps=["message-tags"])
    alice.join(c); bob.join(c)
    bob.begin()
    # InspIRCd 3 closes on 9000 bytes (its recvq is 8192): 5000 bytes only there.
    sizes = [5000, 9000] if run.parley else [5000]
    markers = []
    for size in sizes:
        since = alice.mark()
        marker = tok()
        markers.append(marker)
        alice.send(f"@+x={'a' * size} PRIVMSG {c} :hi {marker}")
        got = alice.cmd("tags_417", "417", "417 ERR_INPUTTOOLONG", since=since)
        run.check("tags_417", got.params == [alice.nick, "Input line was too long"],
                  f"417 {alice.nick} :Input line was too long", got.raw)
    bob.absent("tags_not_delivered", lambda m: any(marker in m.raw for marker in markers), "the over-long message")
    run.ok("tags_not_delivered")
    alice.sync("tags_still_open")
    run.ok("tags_still_open")


# --------------------------------------------------------------------------- 10. away-join

def scenario_away_join(run):
    """Item 10. IRCv3 "away-notify" ("when a user joins a channel … the server MUST send the
    AWAY message … after the JOIN" for users that are away)."""
    c = run.channel()
    bob = run.user("bob", "bob", caps=["away-notify"])
    bob.join(c)
    alice = run.user("alice", "alice")
    text = "gone " + tok()
    alice.send(f"AWAY :{text}")
    alice.cmd("away_306", "306")
    bob.begin()
    alice.join(c)
    j = bob.cmd("away_after_join", "JOIN", p0=c)
    a = bob.cmd("away_after_join", "AWAY", p0=text)
    run.check("away_after_join", j.nick == alice.nick and a.nick == alice.nick and
              bob.lines.index(j) < bob.lines.index(a), f"JOIN {c} then :{alice.nick}!… AWAY :{text}", [j.raw, a.raw])


# --------------------------------------------------------------------------- 11. CAP

SPEC_CAPS = ("account-tag away-notify batch cap-notify chghost echo-message extended-join invite-notify "
             "labeled-response message-tags multi-prefix sasl=PLAIN server-time setname standard-replies "
             "userhost-in-names").split()


def scenario_cap_labeled(run):
    """Item 11. IRCv3 "Capability Negotiation" (CAP LS 302, CAP REQ/ACK), "labeled-response"
    (one reply: the label on it; several: a `labeled-response` BATCH; none: ACK), "batch",
    "echo-message" ("the label is on the echo")."""
    probe = Raw(run, "probe")
    probe.send("CAP LS 302")
    offered = []
    while True:
        m = probe.cmd("cap_ls", "CAP", p1="LS", since=probe.pos)
        probe.pos = probe.lines.index(m) + 1
        offered += m.params[-1].split()
        if m.params[2] != "*":
            break
    if run.parley:
        run.check("cap_ls", sorted(offered) == sorted(SPEC_CAPS), " ".join(SPEC_CAPS), " ".join(sorted(offered)))
    else:
        names = {x.split("=")[0] for x in offered}
        run.check("cap_ls_subset", {"batch", "echo-message", "labeled-response"} <= names,
                  "batch, echo-message, labeled-response offered", offered)
        run.skip("cap_ls", "inspircd: offers its own set of capabilities")
    probe.close()

    c = run.channel()
    alice = run.user("alice", "alice", caps=["batch", "echo-message", "labeled-response"])
    run.ok("cap_ack")
    alice.join(c)
    bob = run.user("bob", "bob")
    bob.join(c)
    alice.begin()
    alice.send("@label=a1 PING :x")
    pong = alice.cmd("labeled_pong", "PONG")
    run.check("labeled_pong", pong.tags.get("label") == "a1" and pong.params == [alice.server, "x"]
              and pong.source == alice.server, f"@label=a1 :{alice.server} PONG {alice.server} x", pong.raw)

    alice.begin()
    alice.send(f"@label=w1 WHOIS {bob.nick}")
    start = alice.expect("labeled_batch", lambda m: m.command == "BATCH" and m.params[0].startswith("+"), "BATCH +")
    ref = start.params[0][1:]
    end = alice.expect("labeled_batch", lambda m: m.command == "BATCH" and m.params == ["-" + ref], f"BATCH -{ref}")
    inside = alice.lines[alice.lines.index(start) + 1:alice.lines.index(end)]
    run.check("labeled_batch", start.tags.get("label") == "w1" and start.params[1:] == ["labeled-response"]
              and inside and all(m.tags.get("batch") == ref for m in inside)
              and {"311", "318"} <= {m.command for m in inside},
              f"@label=w1 BATCH +{ref} labeled-response, 311…318 tagged batch={ref}, BATCH -{ref}",
              [m.raw for m in [start] + inside + [end]])

    alice.begin()
    text = "labeled " + tok()
    alice.send(f"@label=p1 PRIVMSG {c} :{text}")
    echo = alice.cmd("labeled_echo", "PRIVMSG", p1=text)
    run.check("labeled_echo", echo.tags.get("label") == "p1", "the echo tagged label=p1", echo.raw)

    plain = run.user("plain", caps=["batch", "labeled-response"])
    plain.join(c)
    plain.begin()
    plain.send(f"@label=p2 PRIVMSG {c} :{text}")
    ack = plain.expect("labeled_ack", lambda m: m.tags.get("label") == "p2", "a line tagged label=p2")
    run.check("labeled_ack", ack.command == "ACK" and ack.source == plain.server, f"@label=p2 :{plain.server} ACK",
              ack.raw)

    alice.begin()
    c2 = run.channel()
    alice.send(f"@label=j1 JOIN {c2}")
    start = alice.expect("labeled_join", lambda m: m.command == "BATCH" and m.params[0].startswith("+"), "BATCH +")
    ref = start.params[0][1:]
    end = alice.expect("labeled_join", lambda m: m.command == "BATCH" and m.params == ["-" + ref], f"BATCH -{ref}")
    inside = alice.lines[alice.lines.index(start) + 1:alice.lines.index(end)]
    cmds = [m.command for m in inside]
    run.check("labeled_join", start.tags.get("label") == "j1" and {"JOIN", "353", "366"} <= set(cmds)
              and all(m.tags.get("batch") == ref for m in inside), "one batch with JOIN, 353, 366",
              [m.raw for m in [start] + inside + [end]])


def scenario_extended_join(run):
    """Item 11. IRCv3 "extended-join" (`:nick!user@host JOIN #chan accountname :realname`, `*`
    for a user not logged in)."""
    c = run.channel()
    watcher = run.user("watcher", caps=["extended-join"])
    watcher.join(c)
    guest = Raw(run, "guest")
    guest.register(realname="Guest Real " + tok(4))
    watcher.begin()
    guest.join(c)
    j = watcher.cmd("extended_join_guest", "JOIN", p0=c)
    run.check("extended_join_guest", j.nick == guest.nick and len(j.params) == 3 and j.params[1] == "*"
              and j.params[2].startswith("Guest Real"), f":{guest.nick}!… JOIN {c} * :Guest Real…", j.raw)
    if run.skip_unless_parley("extended_join_account", "no SASL"):
        alice = run.user("alice", "alice")
        watcher.begin()
        alice.join(c)
        j = watcher.cmd("extended_join_account", "JOIN", p0=c)
        run.check("extended_join_account", j.params == [c, "alice", "Conformance alice"] and
                  j.source == "alice!alice@localhost", f":alice!alice@localhost JOIN {c} alice :Conformance alice", j.raw)


def scenario_setname(run):
    """Item 11. IRCv3 "setname" (`SETNAME :realname` echoed to the sender and to peers with the
    capability; `FAIL SETNAME INVALID_REALNAME`) and ISUPPORT NAMELEN; RPL_WHOISUSER 311."""
    c = run.channel()
    alice = run.user("alice", "alice", caps=["setname"])
    alice.join(c)
    bob = run.user("bob", "bob", caps=["setname"])
    bob.join(c)
    alice.begin(); bob.begin()
    name = "New Name " + tok(4)
    alice.send(f"SETNAME :{name}")
    for who in (alice, bob):
        m = who.cmd("setname_seen", "SETNAME", p0=name)
        if m.nick != alice.nick:
            raise StepFailed("setname_seen", f":{alice.nick}!… SETNAME :{name}", m.raw)
    run.ok("setname_seen")
    msgs = bob.collect("setname_whois", f"WHOIS {alice.nick}", "318")
    got = [m.params[-1] for m in lines_of(msgs, "311")]
    run.check("setname_whois", got == [name], f"311 … :{name}", got)
    namelen = int(alice.isupport.get("NAMELEN", "0") or 0)
    if run.parley:
        run.check("isupport_namelen", namelen == 128, "NAMELEN=128", alice.isupport.get("NAMELEN"))
    if not namelen:
        run.skip("setname_too_long", f"{run.args.peer}: no NAMELEN in ISUPPORT (it truncates long names)")
        return
    alice.begin(); bob.begin()
    alice.send("SETNAME :" + "x" * (namelen + 1))
    f = alice.cmd("setname_too_long", "FAIL", p0="SETNAME", p1="INVALID_REALNAME")
    bob.absent("setname_too_long", lambda m: m.command == "SETNAME", "SETNAME")
    run.ok("setname_too_long")


def scenario_account_tag(run):
    """Item 11. IRCv3 "account-tag" (`account=<name>` on messages from logged-in users to
    recipients with the capability; no tag for users not logged in)."""
    c = run.channel()
    bob = run.user("bob", "bob", caps=["account-tag"])
    bob.join(c)
    guest = run.user("guest")
    guest.join(c)
    text = "guest says " + tok()
    guest.send(f"PRIVMSG {c} :{text}")
    m = bob.cmd("account_tag_guest_none", "PRIVMSG", p1=text)
    run.check("account_tag_guest_none", "account" not in m.tags, "no account tag", m.raw)
    if run.skip_unless_parley("account_tag_logged_in", "no SASL"):
        alice = run.user("alice", "alice")
        alice.join(c)
        text = "alice says " + tok()
        alice.send(f"PRIVMSG {c} :{text}")
        m = bob.cmd("account_tag_logged_in", "PRIVMSG", p1=text)
        run.check("account_tag_logged_in", m.tags.get("account") == "alice", "@account=alice", m.raw)


# --------------------------------------------------------------------------- 12, 13

def scenario_utf8_only(run):
    """Item 12. IRCv3 "UTF8ONLY" ISUPPORT token ("the server … MUST NOT relay content
    containing non-UTF-8 data … SHOULD reply with `FAIL <command> INVALID_UTF8`")."""
    if not run.skip_unless_parley("utf8only", "no UTF8ONLY token"):
        return
    c = run.channel()
    alice = run.user("alice", "alice")
    run.check("utf8only", "UTF8ONLY" in alice.isupport, "ISUPPORT UTF8ONLY", sorted(alice.isupport))
    alice.join(c)
    bob = run.user("bob", "bob")
    bob.join(c)
    bob.begin()
    for command, line in (("PRIVMSG", f"PRIVMSG {c} :\xff\xfe bad"), ("NOTICE", f"NOTICE {c} :\xff\xfe bad"),
                          ("TOPIC", f"TOPIC {c} :\xff\xfe bad"), ("PART", f"PART {c} :\xff\xfe bad")):
        since = alice.mark()
        alice.send(line.encode("latin-1"))
        alice.cmd(f"utf8_{command.lower()}", "FAIL", since=since, p0=command, p1="INVALID_UTF8")
        run.ok(f"utf8_{command.lower()}")
    bob.absent("utf8_nothing_relayed", lambda m: m.command in ("PRIVMSG", "NOTICE", "TOPIC", "PART"), "a relayed line")
    run.ok("utf8_nothing_relayed")
    raw = Raw(run, "raw")
    raw.send("NICK u" + tok(6))
    raw.send(b"USER u 0 * :\xff")
    raw.cmd("utf8_user", "FAIL", p0="USER", p1="INVALID_UTF8")
    run.ok("utf8_user")


def scenario_ping(run):
    """Item 13. modern.ircdocs.horse "PING message" / "PONG message" (`PONG <server> <token>`,
    the token returned as sent, empty included); RFC 2812 §3.7.2/§3.7.3."""
    alice = run.user("alice")
    srv = alice.server
    if run.parley:
        run.check("server_name", srv == "localhost", "server name localhost", srv)
    for step, line, want in (("ping_empty", "PING :", ""), ("ping_token", "PING tok" + "en", "token"),
                             ("ping_spaces", "PING :a b", "a b")):
        since = alice.mark()
        alice.send(line)
        m = alice.expect(step, lambda m: m.command in ("PONG", "409", "461"), "PONG", since)
        if step == "ping_empty" and not run.parley and m.command != "PONG":
            run.skip(step, f"inspircd: answers `PING :` with {m.raw}")
            continue
        run.check(step, m.params == [srv, want] and m.source == srv, f":{srv} PONG {srv} :{want}", m.raw)


SCENARIOS = {
    "creator-op": scenario_creator_op, "guest-username": scenario_guest_username, "who": scenario_who,
    "whox": scenario_whox, "whowas": scenario_whowas, "oper": scenario_oper, "lusers": scenario_lusers,
    "invite": scenario_invite, "mode-params": scenario_mode_params, "tags-too-long": scenario_tags_too_long,
    "away-join": scenario_away_join, "cap-labeled": scenario_cap_labeled, "extended-join": scenario_extended_join,
    "setname": scenario_setname, "account-tag": scenario_account_tag, "chghost": scenario_chghost,
    "utf8-only": scenario_utf8_only, "ping": scenario_ping, "statusmsg": scenario_statusmsg,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=list(SCENARIOS) + ["all"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=60.0, help="hard overall timeout in seconds")
    p.add_argument("--oper-name", default="root")
    p.add_argument("--oper-password", default="rootpass")
    p.add_argument("--peer", choices=["parley", "inspircd"], default="parley")
    p.add_argument("--verbose", action="store_true", help="trace every line on stderr")
    try:
        args = p.parse_args()
    except SystemExit as e:
        sys.exit(3 if e.code else 0)
    args.tls_port, args.basic, args.basic_cap = 0, False, False   # what server_scenarios.Run reads

    s.arm_overall_timeout(args.timeout)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]

    def make_run(name):
        run = Run(args)
        run.scenario = name
        return run
    s.run_scenarios(args.scenario, SCENARIOS, names, make_run, args.timeout)


if __name__ == "__main__":
    main()
