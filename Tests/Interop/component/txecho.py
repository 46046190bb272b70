#!/usr/bin/env python3
"""The seed's echo bot as an external XEP-0114 component, written as in the tutorial
("Echo Bot Part Two: Making A Component", Jack Moffitt, 2008) against Twisted and
tx-xmpp, the maintained fork of Wokkel (Wokkel 18.0 no longer imports on current Twisted):
the same EchoBotProtocol, and the application the tutorial's echobot.tac builds, with the
router's address, the domain and the secret from the command line instead of literals.

    txecho.py --host 127.0.0.1 --port 5347 --domain echo.localhost --secret pass

Runs until stopped (SIGTERM/SIGINT), or for --duration seconds at most. Prints
"Connected!", "Authenticated!" and "Disconnected!" lines on stdout as the tutorial's bot
prints its events.
"""
import argparse
import sys

from twisted.application import service
from twisted.internet import reactor
from twisted.words.xish import domish
from tx_xmpp.component import Component
from tx_xmpp.xmppim import AvailablePresence, MessageProtocol


class EchoBotProtocol(MessageProtocol):
    def __init__(self, component=False):
        MessageProtocol.__init__(self)
        self.component = component

    def connectionMade(self):
        print("Connected!", flush=True)

        # send initial presence we're a client
        if not self.component:
            self.send(AvailablePresence())

    def connectionInitialized(self):
        MessageProtocol.connectionInitialized(self)
        print("Authenticated!", flush=True)

    def connectionLost(self, reason):
        print("Disconnected!", flush=True)

    def onMessage(self, msg):
        print(str(msg.toXml()), flush=True)

        if msg["type"] == 'chat' and hasattr(msg, "body"):
            reply = domish.Element((None, "message"))
            reply["to"] = msg["from"]
            reply["from"] = msg["to"]
            reply["type"] = 'chat'
            reply.addElement("body", content="echo: " + str(msg.body))

            self.send(reply)


def make_application(host, port, domain, secret, log_traffic=False):
    """What the tutorial's echobot.tac builds."""
    application = service.Application("echobot")

    xmppcomponent = Component(host, port, domain, secret)
    xmppcomponent.logTraffic = log_traffic
    # As in the tutorial's .tac: EchoBotProtocol() without component=True, so the bot
    # also sends a bare <presence/> when it connects (the server answers it with an error).
    echobot = EchoBotProtocol()
    echobot.setHandlerParent(xmppcomponent)
    xmppcomponent.setServiceParent(application)
    return application


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5347)
    p.add_argument("--domain", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--duration", type=float, default=300.0, help="stop after this many seconds at most")
    p.add_argument("--verbose", action="store_true", help="log the XML traffic (Twisted's log, on stderr)")
    a = p.parse_args()
    if a.verbose:
        from twisted.python import log
        log.startLogging(sys.stderr)
    application = make_application(a.host, a.port, a.domain, a.secret, log_traffic=a.verbose)
    # What `twistd -ny echobot.tac` does with the application, in the foreground.
    service.IService(application).startService()
    reactor.callLater(a.duration, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    main()
