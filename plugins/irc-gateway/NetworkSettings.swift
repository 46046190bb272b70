import ParleyIRC
import ParleyIRCNIO
import ParleyXMPP

/// What one user configured for one network with the `configure` ad-hoc command on the
/// network's JID (XEP-0050), under biboumi's field names so that a biboumi user's habits
/// and scripts keep working; each unset value falls back to the gateway's options.
struct NetworkSettings: GatewaySettingsForm {
    var ports: [Int]?
    var tlsPorts: [Int]?
    var verifyCertificate: Bool?
    var nick: String?
    var username: String?
    var realname: String?
    /// `PASS`, the server password.
    var password: String?
    /// The SASL PLAIN password (the account is `username`, else the nick).
    var saslPassword: String?
    var encodingIn: IRCTextDecoding.Fallback?
    /// Lines sent at once before throttling (one a second after); negative: no throttle.
    var throttleLimit: Int?

    /// The longest nick the gateway asks a network for (the network's NICKLEN may cut it).
    static let maximumNickLength = 64

    /// The form's fields: `var`, type, label.
    static let fields: [(String, DataFormFieldType, String)] = [
        ("ports", .textMulti, "Ports (plain text, tried after the TLS ports)"),
        ("tls_ports", .textMulti, "TLS ports"),
        ("verify_cert", .boolean, "Verify the TLS certificate"),
        ("nick", .textSingle, "Nickname"),
        ("username", .textSingle, "Username"),
        ("realname", .textSingle, "Realname"),
        ("pass", .textPrivate, "Server password (PASS)"),
        ("sasl_password", .textPrivate, "SASL password"),
        ("encoding_in", .textSingle, "Incoming encoding when not UTF-8 (latin1, windows-1252)"),
        ("encoding_out", .textSingle, "Outgoing encoding (always UTF-8)"),
        ("throttle_limit", .textSingle, "Throttle limit"),
    ]

    /// XEP-0004 form with the current values, for `execute`.
    func form(target network: String) -> DataForm {
        var values: [String: [String]] = [:]
        values["ports"] = ports.map { $0.map(String.init) }
        values["tls_ports"] = tlsPorts.map { $0.map(String.init) }
        values["verify_cert"] = verifyCertificate.map { [$0 ? "true" : "false"] }
        values["nick"] = nick.map { [$0] }
        values["username"] = username.map { [$0] }
        values["realname"] = realname.map { [$0] }
        values["encoding_in"] = encodingIn.map { [Self.encodingName($0)] }
        values["encoding_out"] = ["UTF-8"]
        values["throttle_limit"] = throttleLimit.map { [String($0)] }
        // Passwords are never sent back.
        return DataForm(
            type: .form, title: "Configure the IRC server \(network)",
            instructions: ["Edit the form, to configure the settings of the IRC server \(network)"],
            fields: Self.fields.map { field in
                DataFormField(variable: field.0, type: field.1, label: field.2, values: values[field.0] ?? [])
            })
    }

    /// The settings a submitted form gives, over the current ones: a field left out keeps
    /// its value, an empty one clears it. An unknown field or a bad value is refused.
    func applying(_ form: DataForm) throws(SettingsFieldError) -> NetworkSettings {
        var next = self
        for field in form.fields {
            guard let variable = field.variable, variable != DataForm.formTypeVariable else { continue }
            let values = field.submittedValues
            let single = values.first
            switch variable {
            case "ports": next.ports = try Self.ports(values, field: variable)
            case "tls_ports": next.tlsPorts = try Self.ports(values, field: variable)
            case "verify_cert": next.verifyCertificate = try field.submittedBoolean()
            case "nick":
                if let single, !IRCNickname.isValid(single, maximumLength: Self.maximumNickLength) {
                    throw SettingsFieldError(field: variable, reason: "'\(single)' is not an IRC nickname")
                }
                next.nick = single
            case "username":
                if let single, single.contains(where: { $0 == " " || $0 == "@" || $0.isNewline }) || single.utf8.count > 64 {
                    throw SettingsFieldError(field: variable, reason: "no spaces or '@', at most 64 bytes")
                }
                next.username = single
            case "realname": next.realname = single.map { String($0.prefix(128)) }
            case "pass", "sasl_password":
                if let single, single.utf8.count > 400 {
                    throw SettingsFieldError(field: variable, reason: "at most 400 bytes")
                }
                if variable == "pass" { next.password = single } else { next.saslPassword = single }
            case "encoding_in":
                guard let single else {
                    next.encodingIn = nil
                    continue
                }
                guard let encoding = Self.encoding(single) else {
                    throw SettingsFieldError(field: variable, reason: "'\(single)' is not supported (latin1 or windows-1252)")
                }
                next.encodingIn = encoding
            case "encoding_out":
                if let single, !["utf-8", "utf8"].contains(single.lowercased()) {
                    throw SettingsFieldError(field: variable, reason: "only UTF-8 is sent")
                }
            case "throttle_limit":
                guard let single else {
                    next.throttleLimit = nil
                    continue
                }
                guard let limit = Int(single), limit >= -1, limit <= 1000 else {
                    throw SettingsFieldError(field: variable, reason: "not a number from -1 to 1000")
                }
                next.throttleLimit = limit
            default:
                throw SettingsFieldError(field: variable, reason: "unknown field")
            }
        }
        return next
    }

    private static func ports(_ values: [String], field: String) throws(SettingsFieldError) -> [Int]? {
        var ports: [Int] = []
        for value in values {
            guard let port = Int(value), (1...65_535).contains(port) else {
                throw SettingsFieldError(field: field, reason: "'\(value)' is not a port")
            }
            ports.append(port)
        }
        return ports
    }

    static func encoding(_ name: String) -> IRCTextDecoding.Fallback? {
        switch name.lowercased() {
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1": .latin1
        case "windows-1252", "cp1252": .windows1252
        default: nil
        }
    }

    static func encodingName(_ encoding: IRCTextDecoding.Fallback) -> String {
        encoding == .latin1 ? "latin1" : "windows-1252"
    }

    // MARK: Storage (`FlatFileSettingsStore` keys)

    /// The settings as a stored record (`tls-ports = 6697 6670`); passwords included, in a
    /// file only the server's user can read.
    var record: [String: String] {
        var record: [String: String] = [:]
        record["ports"] = ports.map { $0.map(String.init).joined(separator: " ") }
        record["tls-ports"] = tlsPorts.map { $0.map(String.init).joined(separator: " ") }
        record["verify-cert"] = verifyCertificate.map { $0 ? "true" : "false" }
        record["nick"] = nick
        record["username"] = username
        record["realname"] = realname
        record["pass"] = password
        record["sasl-password"] = saslPassword
        record["encoding-in"] = encodingIn.map(Self.encodingName)
        record["throttle-limit"] = throttleLimit.map(String.init)
        return record
    }

    init() {}

    /// Settings read back from a stored record; values that no longer parse are left unset.
    init(record: [String: String]) {
        func ports(_ key: String) -> [Int]? {
            record[key].map { $0.split(separator: " ").compactMap { Int($0) }.filter { (1...65_535).contains($0) } }
        }
        self.ports = ports("ports")
        self.tlsPorts = ports("tls-ports")
        self.verifyCertificate = record["verify-cert"].map { $0 == "true" }
        self.nick = record["nick"]
        self.username = record["username"]
        self.realname = record["realname"]
        self.password = record["pass"]
        self.saslPassword = record["sasl-password"]
        self.encodingIn = record["encoding-in"].flatMap(Self.encoding)
        self.throttleLimit = record["throttle-limit"].flatMap { Int($0) }
    }
}
