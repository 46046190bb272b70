import NIOCore

/// One external component (XEP-0114) under load, as a NIO handler on the generator's
/// single event loop: opens the stream, answers the handshake (SHA-1 of stream id +
/// secret), then counts the `</message>` end tags it receives and sends its share of
/// messages in pipelined batches, never more than `window` ahead of what its peer got.
/// It knows no XML beyond that: it depends on no Parley module, so it measures any
/// XEP-0114 router the same way.
final class ComponentLoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case header, handshake, running, failed }

    let domain: String
    let secret: String
    let run: LoadRun
    /// This component's index in `run` (0 or 1).
    let index: Int
    private(set) var phase = Phase.header
    private var pending: [UInt8] = []
    private var context: ChannelHandlerContext?
    /// Bytes kept from the previous read, so an end tag split across reads is found.
    private var tail: [UInt8] = []

    init(domain: String, secret: String, run: LoadRun, index: Int) {
        self.domain = domain
        self.secret = secret
        self.run = run
        self.index = index
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        write(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                + "xmlns:stream='http://etherx.jabber.org/streams' to='\(domain)'>", context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase != .failed { run.failed("\(domain): the router closed the connection") }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        run.failed("\(domain): \(error)")
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch phase {
        case .header, .handshake:
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            negotiate(context: context)
        case .running:
            count(buffer)
        case .failed:
            break
        }
    }

    private func negotiate(context: ChannelHandlerContext) {
        let text = String(decoding: pending, as: UTF8.self)
        if text.contains("<stream:error") || text.contains(":error") && text.contains("xmpp-streams") {
            phase = .failed
            run.failed("\(domain): stream error: \(text.suffix(400))")
            return
        }
        if phase == .header {
            guard let id = Self.attribute("id", in: text) else { return }
            phase = .handshake
            write("<handshake>\(SHA1.hex(Array((id + secret).utf8)))</handshake>", context: context)
        }
        if phase == .handshake, text.contains("<handshake/>") || text.contains("<handshake></handshake>") {
            phase = .running
            pending = []
            run.ready(index)
        }
    }

    /// The value of `name='…'` (or `"…"`) in the stream header.
    static func attribute(_ name: String, in text: String) -> String? {
        guard let headerEnd = text.range(of: "<stream:stream")?.upperBound,
            let close = text[headerEnd...].firstIndex(of: ">")
        else { return nil }
        let header = text[headerEnd..<close]
        for quote in ["'", "\""] {
            if let start = header.range(of: " \(name)=\(quote)")?.upperBound,
                let end = header[start...].firstIndex(of: Character(quote))
            {
                return String(header[start..<end])
            }
        }
        return nil
    }

    private static let endTag = Array("</message>".utf8)
    private static let errorTag = Array("stream:error".utf8)

    /// Counts complete messages in this read.
    private func count(_ buffer: ByteBuffer) {
        var found = 0
        var sawError = false
        buffer.withUnsafeReadableBytes { bytes in
            let end = Self.endTag
            // Look across the boundary with the previous read first.
            if !tail.isEmpty {
                let joined = tail + Array(bytes.prefix(end.count - 1))
                found += Self.occurrences(of: end, in: joined)
            }
            found += Self.occurrences(of: end, in: bytes)
            if Self.occurrences(of: Self.errorTag, in: bytes) > 0 { sawError = true }
            tail = Array(bytes.suffix(end.count - 1))
        }
        if sawError {
            phase = .failed
            run.failed("\(domain): stream error while running")
            return
        }
        if found > 0 { run.received(found, by: index) }
    }

    private static func occurrences<C: Collection<UInt8>>(of needle: [UInt8], in haystack: C) -> Int
    where C.Index == Int {
        guard haystack.count >= needle.count, let first = needle.first else { return 0 }
        var total = 0
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count {
                    total += 1
                    i += needle.count
                    continue
                }
            }
            i += 1
        }
        return total
    }

    /// Writes `bytes` and flushes (called by `LoadRun` on this loop).
    func send(_ bytes: ByteBuffer) {
        guard let context, phase == .running else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
