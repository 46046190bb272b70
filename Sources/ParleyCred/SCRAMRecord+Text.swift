/// The one-line text form of a SCRAM record, as accounts files and `parleyd user hash`
/// write it (docs/storage.md): `i=<count>,s=<base64>,stored=<base64>,server=<base64>`.
extension SCRAMRecord {
    /// Why a record's text cannot be read.
    public struct TextError: Error, Hashable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// The record as one line of text.
    public var text: String {
        "i=\(iterations),s=\(Bytes.base64(salt)),stored=\(Bytes.base64(storedKey)),server=\(Bytes.base64(serverKey))"
    }

    /// Reads the text form: each attribute once, in any order, canonical base64.
    public init(text: String, algorithm: SCRAMAlgorithm) throws(TextError) {
        func fail(_ reason: String) -> TextError { TextError(reason: reason) }
        var attributes: [String: String] = [:]
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = field.firstIndex(of: "=") else { throw fail("attribute '\(field.prefix(20))' has no '='") }
            let name = String(field[..<equals])
            guard ["i", "s", "stored", "server"].contains(name) else { throw fail("unknown attribute '\(name.prefix(20))'") }
            guard attributes[name] == nil else { throw fail("duplicate attribute '\(name)'") }
            attributes[name] = String(field[field.index(after: equals)...])
        }
        guard let iterationText = attributes["i"], let saltText = attributes["s"],
            let storedText = attributes["stored"], let serverText = attributes["server"]
        else { throw fail("needs i=, s=, stored= and server=") }
        guard iterationText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), iterationText.utf8.count <= 9,
            let iterations = Int(iterationText)
        else { throw fail("i= is not a number") }
        guard let salt = Bytes.decodeBase64(saltText) else { throw fail("s= is not canonical base64") }
        guard let stored = Bytes.decodeBase64(storedText) else { throw fail("stored= is not canonical base64") }
        guard let server = Bytes.decodeBase64(serverText) else { throw fail("server= is not canonical base64") }
        do {
            try self.init(algorithm: algorithm, salt: salt, iterations: iterations, storedKey: stored, serverKey: server)
        } catch {
            throw fail(error.description)
        }
    }
}
