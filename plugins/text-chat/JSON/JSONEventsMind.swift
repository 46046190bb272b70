import Logging
import NIOCore
import NIOWebSocket
import ParleyCore
import ParleyServerNIO

/// The JSON event API's side of a chat session, and the writer of everything its
/// connection sends: each object one WebSocket text message (RFC 6455 §5.6). Writes go
/// through the channel's event loop in the order they were made. A client that stops
/// reading is cut off once `sendQueue` is exceeded (the connection is closed at once: a
/// close frame would wait behind what it does not read), so it costs bounded memory and
/// never slows the rooms it is in.
final class JSONEventsMind: SessionMind {
    let channel: any Channel
    let sendQueue: SendQueueLimit
    let cutOff = CutOffFlag()
    /// Set once the close frame is queued: nothing is written after it (RFC 6455 §5.5.1).
    private let closing = CutOffFlag()
    let logger: Logger
    /// Payloads reach JSON clients by meaning, as they reach text-chat lines.
    var protocolFamily: ProtocolFamily { TextChatRenderer.family }

    struct Gone: Error {}

    init(channel: any Channel, sendQueue: SendQueueLimit, logger: Logger) {
        self.channel = channel
        self.sendQueue = sendQueue
        self.logger = logger
    }

    func deliver(_ event: ChatEvent) throws {
        guard channel.isActive, !cutOff.isSet else {
            // Cut off on purpose: drop events until the session closes with its reason.
            if cutOff.isSet { return }
            throw Gone()
        }
        guard let object = JSONEventRenderer.object(for: event) else { return }
        send(object)
        if case .closed = event { close(.normalClosure) }
    }

    /// Sends one object as a text message.
    func send(_ object: [String: Any]) {
        guard !closing.isSet else { return }
        let text = JSONEventRenderer.text(object)
        let channel = self.channel
        let sendQueue = self.sendQueue
        let cutOff = self.cutOff
        let logger = self.logger
        channel.eventLoop.execute {
            guard channel.isActive, !cutOff.isSet else { return }
            let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
            channel.writeAndFlush(frame, promise: nil)
            if sendQueue.isExceeded(by: channel) {
                cutOff.set()
                logger.notice(
                    "JSON client cut off: it does not read",
                    metadata: ["max-send-queue": "\(sendQueue.bytes)", "peer": "\(channel.remoteAddress.map { "\($0)" } ?? "-")"])
                // No close frame: it would wait behind everything the client does not read.
                channel.close(promise: nil)
            }
        }
    }

    /// Closes the WebSocket with `code` (RFC 6455 §5.5.1), after what is already queued.
    func close(_ code: WebSocketErrorCode) {
        guard !closing.isSet else { return }
        closing.set()
        let channel = self.channel
        channel.eventLoop.execute { Self.close(channel, code) }
    }

    private static func close(_ channel: any Channel, _ code: WebSocketErrorCode) {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
