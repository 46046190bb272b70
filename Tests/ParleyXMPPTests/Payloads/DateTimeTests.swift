import SeededRandom
import Foundation
import ParleyXMPP
import Testing

@Suite("XEP-0082 DateTime")
struct DateTimeTests {
    @Test("UTC with and without fractional seconds")
    func parsesUTC() throws {
        let whole = try #require(XMPPDateTime.date(from: "2026-11-21T19:00:00Z"))
        let fraction = try #require(XMPPDateTime.date(from: "2026-11-21T19:00:00.123Z"))
        #expect(whole.timeIntervalSince1970 == 1_795_287_600)
        #expect(abs(fraction.timeIntervalSince(whole) - 0.123) < 1e-6)
        #expect(XMPPDateTime.date(from: "1970-01-01T00:00:00Z")?.timeIntervalSince1970 == 0)
    }

    @Test("offsets are subtracted to reach UTC")
    func parsesOffsets() throws {
        let utc = try #require(XMPPDateTime.date(from: "2002-09-10T23:08:25Z"))
        #expect(XMPPDateTime.date(from: "2002-09-11T01:08:25+02:00") == utc)
        #expect(XMPPDateTime.date(from: "2002-09-10T17:38:25-05:30") == utc)
        #expect(XMPPDateTime.date(from: "2002-09-10T23:08:25+00:00") == utc)
    }

    @Test("many fractional digits, beyond nanoseconds ignored")
    func longFractions() throws {
        let date = try #require(XMPPDateTime.date(from: "2026-01-01T00:00:00.123456789123Z"))
        let base = try #require(XMPPDateTime.date(from: "2026-01-01T00:00:00Z"))
        #expect(abs(date.timeIntervalSince(base) - 0.123456789) < 1e-6)
    }

    @Test(
        "malformed timestamps are rejected",
        arguments: [
            "", "2026-11-21", "2026-11-21T19:00:00", "2026-11-21T19:00Z", "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T19:60:00Z",
            "2026-11-21T19:00:60Z", "2026-11-21t19:00:00z", "2026-11-21T19:00:00.Z", "2026-11-21T19:00:00+0200",
            "2026-11-21T19:00:00Z ", "26-11-21T19:00:00Z", "2026-11-21 19:00:00Z", "2026-11-21T19:00:00+24:00",
        ])
    func rejects(_ text: String) {
        #expect(XMPPDateTime.date(from: text) == nil)
    }

    @Test("leap days exist in leap years only")
    func leapDays() {
        #expect(XMPPDateTime.date(from: "2024-02-29T12:00:00Z") != nil)
        #expect(XMPPDateTime.date(from: "2000-02-29T12:00:00Z") != nil)
        #expect(XMPPDateTime.date(from: "1900-02-29T12:00:00Z") == nil)
    }

    @Test("writing: UTC, milliseconds only when not zero")
    func writes() {
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: 1_795_287_600)) == "2026-11-21T19:00:00Z")
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: 1_795_287_600.123)) == "2026-11-21T19:00:00.123Z")
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(XMPPDateTime.string(from: Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test("agrees with Foundation's ISO 8601 formatter on random instants, both ways")
    func agreesWithFoundation() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = PayloadTestRandom(seed: 82)
        for _ in 0..<500 {
            // Whole milliseconds from 1900 to 2200.
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &random)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let ours = XMPPDateTime.string(from: date)
            let parsed = try #require(XMPPDateTime.date(from: ours))
            #expect(abs(parsed.timeIntervalSince(date)) < 0.0005, "\(ours)")
            let theirs = formatter.string(from: date)
            let fromTheirs = try #require(XMPPDateTime.date(from: theirs))
            #expect(abs(fromTheirs.timeIntervalSince(date)) < 0.0005, "\(theirs)")
            let foundationReadsOurs = try #require(
                formatter.date(from: ours.contains(".") ? ours : ours.replacingOccurrences(of: "Z", with: ".000Z")))
            #expect(abs(foundationReadsOurs.timeIntervalSince(date)) < 0.0005, "\(ours)")
        }
    }
}
