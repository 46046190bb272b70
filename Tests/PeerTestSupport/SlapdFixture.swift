import Crypto
import Foundation

/// The LDIF files of a throwaway slapd: `cn=config` (for `slapadd -n 0`) and the
/// directory's entries (for `slapadd -n 1`).
enum SlapdFixture {
    static let schemas = ["core", "cosine", "nis", "inetorgperson"]
    static let schemaFolder = "/etc/ldap/schema"

    /// The `cn=config` tree: globals with TLS, back_mdb, the schemas, and one mdb database.
    static func config(folder: String, certificates: TestCertificates, rootPassword: String) throws -> String {
        var ldif = """
            dn: cn=config
            objectClass: olcGlobal
            cn: config
            olcPidFile: \(folder)/run/slapd.pid
            olcTLSCACertificateFile: \(certificates.caFile)
            olcTLSCertificateFile: \(certificates.serverCertificate)
            olcTLSCertificateKeyFile: \(certificates.serverKey)

            dn: cn=module{0},cn=config
            objectClass: olcModuleList
            cn: module{0}
            olcModulePath: /usr/lib/ldap
            olcModuleLoad: back_mdb

            dn: cn=schema,cn=config
            objectClass: olcSchemaConfig
            cn: schema


            """
        for schema in schemas {
            ldif += try String(contentsOfFile: "\(schemaFolder)/\(schema).ldif", encoding: .utf8) + "\n\n"
        }
        ldif += """
            dn: olcDatabase={-1}frontend,cn=config
            objectClass: olcDatabaseConfig
            objectClass: olcFrontendConfig
            olcDatabase: {-1}frontend

            dn: olcDatabase={0}config,cn=config
            objectClass: olcDatabaseConfig
            olcDatabase: {0}config
            olcAccess: {0}to * by * none

            dn: olcDatabase={1}mdb,cn=config
            objectClass: olcDatabaseConfig
            objectClass: olcMdbConfig
            olcDatabase: {1}mdb
            olcDbDirectory: \(folder)/data
            olcSuffix: \(SlapdServer.suffix)
            olcRootDN: \(SlapdServer.adminDN)
            olcRootPW: \(ssha(rootPassword))
            olcDbMaxSize: 1073741824
            olcDbIndex: objectClass eq
            olcDbIndex: uid eq
            olcDbIndex: cn eq,sub
            olcDbIndex: member eq
            olcSizeLimit: 50000
            olcAccess: {0}to attrs=userPassword by anonymous auth by self write by * none
            olcAccess: {1}to * by * read


            """
        return ldif
    }

    /// The entries: the suffix, the three organizational units, the service account, the
    /// users (given and bulk), the groups and the referral back to this server.
    static func entries(users: [SlapdServer.User], groups: [SlapdServer.Group], bulkUsers: Int, port: UInt16) -> String {
        var ldif = ""
        ldif.reserveCapacity(200 + (users.count + bulkUsers) * 400)
        func entry(_ dn: String, _ attributes: [(String, String)]) {
            line("dn", dn, into: &ldif)
            for (name, value) in attributes { line(name, value, into: &ldif) }
            ldif += "\n"
        }
        entry(SlapdServer.suffix, [("objectClass", "dcObject"), ("objectClass", "organization"), ("dc", "example"), ("o", "Example")])
        for unit in ["people", "groups", "services"] {
            entry("ou=\(unit),\(SlapdServer.suffix)", [("objectClass", "organizationalUnit"), ("ou", unit)])
        }
        entry(SlapdServer.serviceDN, [
            ("objectClass", "organizationalRole"), ("objectClass", "simpleSecurityObject"), ("cn", "parley"),
            ("userPassword", ssha(SlapdServer.servicePassword)),
        ])
        func person(_ user: SlapdServer.User) {
            let surname = user.displayName.split(separator: " ").last.map(String.init) ?? user.uid
            entry(SlapdServer.dn(of: user.uid), [
                ("objectClass", "inetOrgPerson"), ("uid", user.uid), ("cn", user.displayName),
                ("sn", surname.isEmpty ? user.uid : surname), ("displayName", user.displayName),
                ("mail", "\(user.uid)@example.test"), ("userPassword", ssha(user.password)),
            ])
        }
        users.forEach(person)
        if bulkUsers > 0 {
            for index in 1...bulkUsers {
                let number = String(format: "%05d", index)
                entry(SlapdServer.dn(of: "user\(number)"), [
                    ("objectClass", "inetOrgPerson"), ("uid", "user\(number)"), ("cn", "Bulk User \(number)"),
                    ("sn", "User \(number)"), ("displayName", "Bulk User \(number)"), ("userPassword", ssha("bulk-secret")),
                ])
            }
        }
        for group in groups {
            // groupOfNames needs one member at least; the empty DN stands in for none.
            let members = group.members.isEmpty ? [""] : group.members.map(SlapdServer.dn(of:))
            entry("cn=\(escapedRDNValue(group.name)),\(SlapdServer.groupsBase)", [("objectClass", "groupOfNames"), ("cn", group.name)] + members.map { ("member", $0) })
        }
        entry(SlapdServer.referralBase, [
            ("objectClass", "referral"), ("objectClass", "extensibleObject"), ("ou", "elsewhere"),
            ("ref", "ldap://127.0.0.1:\(port)/\(SlapdServer.referralBase)"),
        ])
        return ldif
    }

    /// An attribute value escaped for a DN string (RFC 4514 section 2.4): `"+,;<>\\`
    /// always, a leading space or '#', a trailing space.
    static func escapedRDNValue(_ value: String) -> String {
        var escaped = ""
        let characters = Array(value)
        for (index, character) in characters.enumerated() {
            let special = "\"+,;<>\\".contains(character)
                || (index == 0 && (character == " " || character == "#"))
                || (index == characters.count - 1 && character == " ")
            if special { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// `{SSHA}`: base64 of SHA-1(password + salt) followed by the 8-byte salt.
    static func ssha(_ password: String) -> String {
        let salt = (0..<8).map { _ in UInt8.random(in: 0...255) }
        var hasher = Insecure.SHA1()
        hasher.update(data: Data(password.utf8))
        hasher.update(data: salt)
        return "{SSHA}" + Data(Array(hasher.finalize()) + salt).base64EncodedString()
    }

    /// One `name: value` line, or `name:: base64` when the value is not a SAFE-STRING
    /// (RFC 2849: empty, or ASCII without NUL/CR/LF, not starting with space, ':' or '<',
    /// not ending with a space).
    static func line(_ name: String, _ value: String, into ldif: inout String) {
        let bytes = Array(value.utf8)
        let safe = bytes.allSatisfy { $0 != 0 && $0 != 10 && $0 != 13 && $0 < 128 }
            && !(bytes.first.map { $0 == 32 || $0 == 58 || $0 == 60 } ?? false)
            && bytes.last != 32
        if safe {
            ldif += bytes.isEmpty ? "\(name):\n" : "\(name): \(value)\n"
        } else {
            ldif += "\(name):: \(Data(bytes).base64EncodedString())\n"
        }
    }
}
