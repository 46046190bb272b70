import NIOCore

/// One IRC client in the mixed room (Parley's irc-server serves the MUC room `name@…` as
/// the channel `#name`): a `StampedIRCClient` that logs in with `PASS account:password`,
/// joins the channel after 001, counts as entered at the 366 that ends NAMES, and hands
/// the time stamp of each channel PRIVMSG to the room as one delivered copy. Only touched
/// on the room's event loop.
final class MUCIRCMember: StampedIRCDelegate, @unchecked Sendable {
    let index: Int
    let channelName: String
    unowned let room: MUCRoom
    /// The connection's handler (the channel's whole pipeline).
    let client: StampedIRCClient
    private var hasEntered = false

    init(index: Int, nick: String, account: String, password: String, channel: String, room: MUCRoom) {
        self.index = index
        self.channelName = channel
        self.room = room
        client = StampedIRCClient(nick: nick, password: "\(account):\(password)", loop: room.loop)
        client.delegate = self
    }

    /// Succeeds at 001 (registered); fails when the server refuses or closes.
    var registered: EventLoopPromise<Void> { client.registered }

    /// Sends JOIN; the room hears of the entry at the 366.
    func join() { client.join(channelName) }

    func close() { client.close() }

    func irc(_ client: StampedIRCClient, joined channel: String) {
        guard !hasEntered else { return }
        hasEntered = true
        room.entered(index)
    }

    func irc(_ client: StampedIRCClient, stamp: UInt64, target: ArraySlice<UInt8>) {
        room.sink?.copy(stampedAt: stamp, to: index)
    }

    func ircReadComplete(_ client: StampedIRCClient) { room.sink?.readComplete() }

    func irc(_ client: StampedIRCClient, failed reason: String) { room.fail(reason) }
}
