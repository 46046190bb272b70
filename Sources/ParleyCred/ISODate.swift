import Foundation

/// Dates in stored files: ISO 8601 in UTC with milliseconds (`2026-12-07T10:00:00.000Z`).
enum ISODate {
    private static let style = Date.ISO8601FormatStyle.iso8601.year().month().day()
        .time(includingFractionalSeconds: true).timeZone(separator: .omitted)

    static func string(_ date: Date) -> String { date.formatted(style) }

    static func date(_ text: String) -> Date? { try? Date(text, strategy: style) }
}
