import NIOCore
import NIOSSL
import ParleyServerNIO

/// A stream on one NIO channel: a TCP connection (RFC 6120) or a WebSocket (RFC 7395),
/// written in its `C2SFraming`.
final class C2SChannelTransport: C2STransport {
    let channel: any Channel
    let framing: C2SFraming

    init(channel: any Channel, framing: C2SFraming) {
        self.channel = channel
        self.framing = framing
    }

    var eventLoop: any EventLoop { channel.eventLoop }
    var allocator: ByteBufferAllocator { channel.allocator }
    var isActive: Bool { channel.isActive }
    var peer: String { channel.remoteAddress?.description ?? "?" }
    var keepsAliveInStream: Bool { framing.keepsAliveInStream }
    var elementsStandAlone: Bool { framing.elementsStandAlone }

    func write(_ element: ByteBuffer) { framing.write(element, on: channel) }

    func flush() { channel.flush() }

    func writeOpening(id: String, domain: String) {
        framing.write(framing.opening(id: id, domain: domain, allocator: channel.allocator), on: channel)
    }

    func closeStream(after error: ByteBuffer?) {
        // RFC 7395 §3.5: over WebSocket the error is a message of its own, then <close/>.
        if let error { framing.write(error, on: channel) }
        let written = channel.eventLoop.makePromise(of: Void.self)
        framing.writeClosing(on: channel, promise: written)
        channel.flush()
        written.futureResult.whenComplete { [channel] _ in channel.close(promise: nil) }
        // Do not wait for the peer's closing tag for long (RFC 6120 §4.4).
        channel.eventLoop.scheduleTask(in: .seconds(5)) { [channel] in channel.close(promise: nil) }
    }

    func close() { channel.close(promise: nil) }

    func startTLS(_ context: NIOSSLContext) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
    }

    func pauseReading(_ paused: Bool) { ReadPause.set(paused, on: channel) }

    func isSendQueueExceeded(_ limit: SendQueueLimit) -> Bool { limit.isExceeded(by: channel) }

    func tick(now: NIODeadline) {}
}
