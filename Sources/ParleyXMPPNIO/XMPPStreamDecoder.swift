import NIOCore
import ParleyXML
import ParleyXMPP

/// Frames an XMPP byte stream into XML stream events (header, one element per stanza,
/// footer) with libxml2's push parser under hard limits.
///
/// The parser object is shared with the connection so that it can restart the stream
/// after STARTTLS and SASL success (RFC 6120 §5.4.3.3, §6.4.6): `parser.reset()`.
/// A parser failure is thrown as a `StreamError` with the RFC 6120 condition.
public struct XMPPStreamDecoder: ByteToMessageDecoder {
    public typealias InboundOut = XMLStreamEvent

    public let parser: XMLStreamParser
    private var events: [XMLStreamEvent] = []
    /// Called for every read, before parsing (whitespace keepalives yield no event).
    public var onBytes: (@Sendable () -> Void)?

    public init(parser: XMLStreamParser) {
        self.parser = parser
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        onBytes?()
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(XMLStreamError) in
                try parser.feed(bytes, into: &events)
            }
        } catch {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            events.removeAll()
            throw StreamError(error)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        // Hand over the batch before firing: a handler may reset the parser meanwhile.
        let batch = events
        events = []
        for event in batch {
            context.fireChannelRead(wrapInboundOut(event))
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// The parser of one connection, shared by its decoder and its stream logic (which
/// resets it at each stream restart). Both use it on the connection's event loop only;
/// that confinement is what makes the unchecked `Sendable` sound.
public final class ConnectionParser: @unchecked Sendable {
    public let parser: XMLStreamParser

    public init(limits: XMLLimits) {
        parser = XMLStreamParser(limits: limits)
    }

    /// A decoder feeding this parser.
    public func makeDecoder() -> XMPPStreamDecoder { XMPPStreamDecoder(parser: parser) }
}
