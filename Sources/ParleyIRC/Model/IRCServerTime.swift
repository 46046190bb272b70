import Foundation

/// The `time` tag's timestamps (IRCv3 server-time): ISO 8601 in UTC with milliseconds,
/// `2026-11-22T01:02:03.456Z`. Written by hand: it runs once per message variant on the
/// fan-out path, where a general date formatter would cost more than the rest.
public enum IRCServerTime {
    /// `YYYY-MM-DDThh:mm:ss.sssZ`, rounded to the nearest millisecond; years are clamped
    /// to 0000…9999.
    public static func format(_ date: Date) -> String {
        let limit = 253_402_300_799_999.0  // 9999-12-31T23:59:59.999Z in milliseconds
        let millis = Int64(min(max((date.timeIntervalSince1970 * 1000).rounded(), -62_167_219_200_000), limit))
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var at = 0
            func put(_ value: Int64, width: Int, then separator: Unicode.Scalar) {
                var remaining = value
                for position in stride(from: width - 1, through: 0, by: -1) {
                    buffer[at + position] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                buffer[at + width] = UInt8(ascii: separator)
                at += width + 1
            }
            put(year, width: 4, then: "-")
            put(month, width: 2, then: "-")
            put(day, width: 2, then: "T")
            put(msOfDay / 3_600_000, width: 2, then: ":")
            put(msOfDay / 60_000 % 60, width: 2, then: ":")
            put(msOfDay / 1000 % 60, width: 2, then: ".")
            put(msOfDay % 1000, width: 3, then: "Z")
            return at
        }
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction]Z`; nil for anything else (offsets other than
    /// `Z` are not server-time).
    public static func parse(_ text: String) -> Date? {
        var bytes = text.utf8[...]
        func number(_ width: Int, then separator: UInt8?) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<width {
                guard let byte = bytes.popFirst(), (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            if let separator {
                guard bytes.popFirst() == separator else { return nil }
            }
            return value
        }
        guard let year = number(4, then: UInt8(ascii: "-")), let month = number(2, then: UInt8(ascii: "-")),
            let day = number(2, then: UInt8(ascii: "T")), let hour = number(2, then: UInt8(ascii: ":")),
            let minute = number(2, then: UInt8(ascii: ":")), let second = number(2, then: nil),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var millis: Int64 = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            var digits = 0
            while let byte = bytes.first, (0x30...0x39).contains(byte) {
                bytes.removeFirst()
                if digits < 3 { millis = millis * 10 + Int64(byte - 0x30) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        guard bytes.popFirst() == UInt8(ascii: "Z"), bytes.isEmpty else { return nil }
        let days = self.days(fromCivil: year, month, day)
        let total = ((days * 24 + hour) * 60 + minute) * 60 + second
        return Date(timeIntervalSince1970: Double(total * 1000 + millis) / 1000)
    }

    // Proleptic Gregorian calendar arithmetic in 400-year eras (146,097 days each),
    // counting from 0000-03-01 so that the leap day ends a year.

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : -((-value - 1) / divisor) - 1
        return (quotient, value - quotient * divisor)
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468  // 1970-01-01 counted from 0000-03-01
        let (era, dayOfEra) = floorDivide(shifted, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        return (era * 400 + yearOfEra + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let (era, yearOfEra) = floorDivide(marchYear, 400)
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
