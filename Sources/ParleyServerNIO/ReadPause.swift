import NIOCore

/// Pausing and resuming reads on a channel (`ChannelOptions.autoRead`), the one way every
/// connection applies backpressure to its peer.
public enum ReadPause {
    /// Stops (`paused`) or restarts reading from `channel`; on its event loop.
    public static func set(_ paused: Bool, on channel: any Channel) {
        channel.setOption(ChannelOptions.autoRead, value: !paused).whenFailure { _ in }
        if !paused { channel.read() }
    }
}
