import Crypto
import Foundation
import ParleyXML

/// XEP-0115 entity capabilities: the `<c xmlns='http://jabber.org/protocol/caps'/>` a client
/// puts in its presence (its software's `node` and the verification string `ver` of its
/// disco#info), and the §5.1 algorithm that computes `ver` from a disco#info result, so
/// that a server can cache what a client supports by `ver` and trust the cache (§5.4).
public struct EntityCapabilities: Hashable, Sendable {
    /// The software's URI (`node`).
    public var node: String
    /// The verification string.
    public var ver: String
    /// The hash function's name (IANA Hash Function Textual Names); only `sha-1` is
    /// checked here (§5.1, the one every client sends).
    public var hash: String

    public init(node: String, ver: String, hash: String = "sha-1") {
        self.node = node
        self.ver = ver
        self.hash = hash
    }

    /// The `<c/>` of a presence's children, if any (§4). The legacy form without `hash`
    /// (before version 1.4) names no verifiable `ver` and is ignored.
    public init?(element: XMLElement) {
        guard element.name == "c", element.namespace == XMPPNamespace.caps, let node = element[attribute: "node"],
            let ver = element[attribute: "ver"], let hash = element[attribute: "hash"], !ver.isEmpty,
            ver.utf8.count <= 256, node.utf8.count <= 1024
        else { return nil }
        self.init(node: node, ver: ver, hash: hash.lowercased())
    }

    /// The disco#info node to query for this `ver` (§6.2: `node#ver`).
    public var queryNode: String { "\(node)#\(ver)" }

    /// §5.1: the verification string of `info` (SHA-1, base64), or nil when the response
    /// is ill-formed in a way §5.4 says to distrust: two identical identities, two
    /// identical features, two extension forms with one FORM_TYPE, or a FORM_TYPE with
    /// several different values.
    public static func verificationString(of info: DiscoInfo) -> String? {
        guard let input = verificationInput(of: info) else { return nil }
        return Data(Insecure.SHA1.hash(data: Array(input.utf8))).base64EncodedString()
    }

    /// The string §5.1 hashes (exposed for tests against the XEP's examples).
    static func verificationInput(of info: DiscoInfo) -> String? {
        // §5.1 steps 2–3: identities as category/type/lang/name, in octet order.
        let identities = info.identities.map {
            "\($0.category)/\($0.type)/\($0.language ?? "")/\($0.name ?? "")"
        }
        guard Set(identities).count == identities.count, Set(info.features).count == info.features.count else {
            return nil  // §5.4 step 3.3 / 3.4: duplicates poison the cache
        }
        var input = ""
        for identity in identities.sorted(by: octetOrder) { input += identity + "<" }
        // Steps 4–5: features in octet order.
        for feature in info.features.sorted(by: octetOrder) { input += feature + "<" }
        // Step 6: extension forms by FORM_TYPE, each followed by its fields by var and
        // their values in octet order. A form whose FORM_TYPE is not hidden is ignored
        // (§5.4 step 3.6).
        var forms: [(type: String, form: DataForm)] = []
        for form in info.extensions {
            guard let field = form[DataForm.formTypeVariable] else { continue }
            guard Set(field.values).count == 1, let type = field.values.first else { return nil }
            guard field.effectiveType == .hidden else { continue }
            forms.append((type, form))
        }
        guard Set(forms.map(\.type)).count == forms.count else { return nil }
        for (type, form) in forms.sorted(by: { octetOrder($0.type, $1.type) }) {
            input += type + "<"
            let fields = form.fields.filter { $0.variable != DataForm.formTypeVariable }
            for field in fields.sorted(by: { octetOrder($0.variable ?? "", $1.variable ?? "") }) {
                input += (field.variable ?? "") + "<"
                for value in field.values.sorted(by: octetOrder) { input += value + "<" }
            }
        }
        return input
    }

    /// "i;octet" collation (RFC 4790 §9.3): by UTF-8 bytes.
    private static func octetOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
