#!/usr/bin/env python3
"""XEP-0045 from tx-xmpp's MUC client (the Wokkel line of the seeds), on Twisted: two
clients, each an XMPPClient with a MUCClientProtocol handler, as a Wokkel bot is written.

alice joins `txroom` (a new room: tx-xmpp's join fires with it locked, status 201), reads
the configuration form with getConfiguration and submits it with persistence off and a
name (configure), bob joins and both see each other, alice's groupchat reaches bob's
receivedGroupChat, alice sets the subject (bob's receivedSubject), reads the owner list
(getOwnerList) and sees bob leave (userLeftRoom). Prints one JSON line: {"ok": ..., "checks": ..., "failed": [...]}.

    tx_muc_client.py --host 127.0.0.1 --port 5222 --domain localhost
"""
from twisted.internet import defer
from twisted.words.protocols.jabber import jid
from tx_xmpp.muc import MUCClient

from tx_common import check, until
import tx_common


class Recorder(tx_common.Ready, MUCClient):
    """tx-xmpp's MUC client, keeping what rooms send it."""

    def __init__(self):
        MUCClient.__init__(self)
        self.groupchats = []
        self.subjects = []
        self.joined = []
        self.left = []

    def receivedGroupChat(self, room, user, message):
        self.groupchats.append(message)

    def receivedSubject(self, room, user, subject):
        self.subjects.append(subject)

    def userJoinedRoom(self, room, user):
        self.joined.append(user.nick)

    def userLeftRoom(self, room, user):
        self.left.append(user.nick)


def client(args, user, password):
    muc = Recorder()
    return tx_common.client(args, user, password, muc), muc


async def scenario(args):
    room = jid.JID(f"txroom@conference.{args.domain}")
    alice_service, alice = client(args, "alice", args.alice_password)
    bob_service, bob = client(args, "bob", args.bob_password)
    await defer.gatherResults([alice.ready, bob.ready])

    entered = await alice.join(room, "Alice")
    check("alice_joined", entered is not None and entered.roomJID == room, entered)
    # XEP-0045 §10.1.1: the new room is locked until configured (tx-xmpp saw status 201).
    check("created_locked", entered is not None and entered.locked, entered and entered.locked)
    form = await alice.getConfiguration(room)
    fields = list(form.fields.keys()) if form is not None else []
    check("configuration_form", "muc#roomconfig_persistentroom" in fields, fields)
    await alice.configure(room, {"muc#roomconfig_persistentroom": False, "muc#roomconfig_roomname": "Twisted room"})
    again = await alice.getConfiguration(room)
    name = again.fields["muc#roomconfig_roomname"].value if again is not None else None
    check("configured", name == "Twisted room", name)

    await bob.join(room, "Bob")
    check("alice_sees_bob", await until(lambda: "Bob" in alice.joined), alice.joined)
    alice.groupChat(room, "hello from twisted")
    check("bob_gets_groupchat", await until(
        lambda: any(str(m.body) == "hello from twisted" for m in bob.groupchats)), [str(m.body) for m in bob.groupchats])
    alice.subject(room, "tx subject")
    check("bob_gets_subject", await until(lambda: "tx subject" in bob.subjects), bob.subjects)
    owners = await alice.getOwnerList(room)
    check("owner_list", [str(item.entity) for item in owners] == [f"alice@{args.domain}"], owners)
    await bob.leave(room)
    check("alice_sees_bob_leave", await until(lambda: "Bob" in alice.left), alice.left)
    for service in (alice_service, bob_service):
        service.stopService()


def main():
    p = tx_common.parser(__doc__)
    p.add_argument("--alice-password", default="alicepw")
    p.add_argument("--bob-password", default="bobpw")
    tx_common.run(scenario, p.parse_args())


if __name__ == "__main__":
    main()
