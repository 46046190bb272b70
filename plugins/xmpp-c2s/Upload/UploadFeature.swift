import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0363 HTTP file upload on the server's JID: disco#info announces it with the largest
/// file size (§3), and a `<request filename size content-type/>` gets a slot (§4) from
/// `HTTPUploads`, or its errors (§5: file-too-large, quota).
struct UploadFeature: C2SFeature {
    static let namespace = "urn:xmpp:http:upload:0"
    let uploads: HTTPUploads

    func register(in hooks: inout C2SHooks) {
        hooks.advertise(Self.namespace)
        hooks.advertise(
            form: DataForm(
                type: .result, formType: Self.namespace,
                fields: [DataFormField(variable: "max-file-size", values: [String(uploads.policy.maximumFileBytes)])]))
        hooks.onIQ(.get, namespace: Self.namespace) { request, _ in
            // The service is the server itself.
            guard request.to?.localpart == nil else { return nil }
            guard request.child.name == "request", let user = request.from.userID.username else {
                throw StanzaError(.badRequest, text: "expected <request filename size/>")
            }
            guard let name = request.child[attribute: "filename"], let sizeText = request.child[attribute: "size"], let size = Int(sizeText)
            else { throw StanzaError(.badRequest, text: "a request needs a filename and a size in bytes") }
            let slot = try uploads.requestSlot(owner: user, name: name, size: size, contentType: request.child[attribute: "content-type"])
            var answer = XMLElement(name: "slot", namespace: Self.namespace)
            answer.append(XMLElement(name: "put", namespace: Self.namespace, attributes: [XMLAttribute("url", value: slot.put)]))
            answer.append(XMLElement(name: "get", namespace: Self.namespace, attributes: [XMLAttribute("url", value: slot.get)]))
            return .result(answer)
        }
    }
}
