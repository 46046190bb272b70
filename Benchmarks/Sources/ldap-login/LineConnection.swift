import NIOCore
import NIOPosix

/// Splits the text-chat stream into lines ending in LF, dropping a CR before it.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        var length = newline - view.startIndex
        if length > 0, view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(to: newline + 1)
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Why a text-chat conversation went wrong.
struct ChatFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A text-chat client connection seen as lines in and lines out.
typealias LineChannel = NIOAsyncChannel<String, ByteBuffer>

/// Connects to a text-chat server and frames its stream as lines.
func connectLines(group: any EventLoopGroup, host: String, port: Int) async throws -> LineChannel {
    try await ClientBootstrap(group: group)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .connectTimeout(.seconds(10))
        .connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                return try LineChannel(wrappingChannelSynchronously: channel)
            }
        }
}

/// One side of a text-chat conversation inside `executeThenClose`.
struct LineSession {
    var lines: NIOAsyncChannelInboundStream<String>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    init(_ inbound: NIOAsyncChannelInboundStream<String>, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.lines = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    func send(_ line: String) async throws {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
    }

    /// The next line; throws when the server closed the connection.
    mutating func next() async throws -> String {
        guard let line = try await lines.next() else { throw ChatFailure("the server closed the connection") }
        return line
    }

    /// Sends `LOGIN user password` and waits for the answer: nil when logged in, else the
    /// ERR code (e.g. `not-authorized`, `temporary-auth-failure`).
    mutating func login(user: String, password: String) async throws -> String? {
        try await send("LOGIN \(user) \(password)")
        while true {
            let line = try await next()
            if line.hasPrefix("OK logged in") { return nil }
            if line.hasPrefix("ERR ") { return String(line.dropFirst(4).prefix { $0 != " " }) }
        }
    }
}
