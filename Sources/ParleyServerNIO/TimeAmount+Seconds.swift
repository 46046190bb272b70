import NIOCore

extension TimeAmount {
    /// `seconds` (fractional, as configuration files give them) as a time amount.
    public static func fractionalSeconds(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1_000_000_000))
    }
}
