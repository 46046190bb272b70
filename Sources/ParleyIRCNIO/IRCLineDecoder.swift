import NIOCore
import ParleyIRC

/// A line longer than the framer accepts arrived (or began arriving) without an LF.
public struct IRCLineTooLongError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The limit in bytes, terminator included (`IRCLimits.maximumLineBytes` by default).
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String { "IRC line longer than \(limit) bytes" }
}

/// Frames an IRC byte stream into `IRCLine`s (RFC 1459 §2.3: lines end in CR LF).
/// COMPAT: a bare LF also ends a line, as every deployed server accepts; the CR before an
/// LF is dropped, a CR elsewhere stays in the line (the parser refuses it).
///
/// A line of more than `maximumLineBytes` bytes, counting its CR LF, throws
/// `IRCLineTooLongError` as soon as that many bytes are buffered without an LF, so a peer
/// cannot make the framer buffer without bound. The bytes at end of stream without an LF
/// are not a line and are dropped.
public struct IRCLineDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = IRCLine

    public let maximumLineBytes: Int
    /// How far the current buffer has been searched for an LF, to avoid rescanning.
    private var scanned = 0
    /// Skipping the rest of an over-long line, up to its LF (`nextFrame`).
    private var discarding = false

    /// What `nextFrame` found: a line, or the end of a line that was too long (dropped).
    public enum Frame: Sendable {
        case line(IRCLine)
        case tooLong
    }

    public init(maximumLineBytes: Int = IRCLimits.maximumLineBytes) {
        precondition(maximumLineBytes >= 2, "a line needs room for its CR LF")
        self.maximumLineBytes = maximumLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = try nextLine(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        if try decode(context: context, buffer: &buffer) == .continue { return .continue }
        // An unterminated tail at end of input is not a line: drop it so the handler does
        // not report it as leftover data.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        scanned = 0
        return .needMoreData
    }

    /// Takes the next complete line off `buffer`, or reports a line that was too long once
    /// its LF arrived (modern.ircdocs.horse ERR_INPUTTOOLONG: the server tells the client and
    /// goes on with the next line). The bytes of an over-long line are dropped as they
    /// arrive, so nothing is buffered beyond `maximumLineBytes`.
    public mutating func nextFrame(from buffer: inout ByteBuffer) -> Frame? {
        while discarding {
            let view = buffer.readableBytesView
            guard let lf = view.firstIndex(of: 0x0A) else {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return nil
            }
            buffer.moveReaderIndex(forwardBy: lf - view.startIndex + 1)
            discarding = false
            return .tooLong
        }
        do {
            return try nextLine(from: &buffer).map(Frame.line)
        } catch {
            scanned = 0
            discarding = true
            return nextFrame(from: &buffer)
        }
    }

    /// Takes the next complete line off `buffer`, or returns nil when none is complete.
    /// Usable without a channel (the client's tests, a fuzzer).
    public mutating func nextLine(from buffer: inout ByteBuffer) throws(IRCLineTooLongError) -> IRCLine? {
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let lf = view[searchStart...].firstIndex(of: 0x0A) else {
            scanned = view.count
            if view.count >= maximumLineBytes { throw IRCLineTooLongError(limit: maximumLineBytes) }
            return nil
        }
        scanned = 0
        let length = lf - view.startIndex  // bytes before the LF
        if length + 1 > maximumLineBytes { throw IRCLineTooLongError(limit: maximumLineBytes) }
        let hasCR = length > 0 && view[lf - 1] == 0x0D
        let line = buffer.readSlice(length: hasCR ? length - 1 : length)!
        buffer.moveReaderIndex(forwardBy: hasCR ? 2 : 1)
        return IRCLine(bytes: line)
    }
}
