"""An IRC client for the mixed XMPP/IRC scenarios, on the python `irc` library's asyncio
reactor, in the scenario's event loop."""
import asyncio

import irc.client_aio

import common


class IRCPeer:
    """An IRC client on the python `irc` library's asyncio reactor, in the scenario's event
    loop: it logs in with PASS account:password and records every event it receives."""

    def __init__(self):
        self.events = []
        self._new = asyncio.Event()

    async def connect(self, host, port, nick, password):
        self.reactor = irc.client_aio.AioReactor(loop=asyncio.get_running_loop())
        self.reactor.add_global_handler("all_events", self._record)
        self.connection = self.reactor.server()
        await self.connection.connect(host, port, nick, password=None if password is None else f"{nick}:{password}")
        return await self.wait(lambda e: e.type == "welcome")

    def _record(self, connection, event):
        self.events.append(event)
        self._new.set()

    async def wait(self, pred, timeout=common.STEP_TIMEOUT, since=0):
        """First event (from index `since` of the events) for which pred(event) holds, or None."""
        return await common.wait_until(self.events, since, pred, self._new, timeout)

    async def join(self, channel):
        """Joins `channel` and waits for the server's echo of our JOIN (None on timeout)."""
        self.connection.join(channel)
        return await self.wait(self.joined(self.connection.get_nickname(), channel))

    def said(self, nick, text):
        """An event predicate: `nick` said `text` in #dev."""
        return lambda e: e.type == "pubmsg" and e.source.nick == nick and e.target == "#dev" \
            and e.arguments == [text]

    def joined(self, nick, channel):
        """An event predicate: `nick` joined `channel`."""
        return lambda e: e.type == "join" and e.source.nick == nick and e.target == channel


def add_ircd_args(p):
    """The arguments of a scenario against an outside ircd: where it listens, and the
    network name the gateway's addresses use for it."""
    p.add_argument("--irc-host", default="127.0.0.1")
    p.add_argument("--irc-port", type=int, required=True)
    p.add_argument("--network", default="127.0.0.1")
