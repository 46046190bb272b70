import ParleyCore
import ParleyCred
import ParleyXML
import Synchronization
import Testing

@testable import ParleyXMPP

typealias StreamAction = ServerStreamNegotiation.Action

/// A client stream header as a parser reports it.
func clientHeader(
    to: String? = "example.test", version: String? = "1.0", contentNamespace: String = XMPPNamespace.client,
    root: (name: String, namespace: String) = ("stream", XMPPNamespace.streams)
) -> XMLStreamHeader {
    var attributes: [XMLAttribute] = []
    if let to { attributes.append(XMLAttribute("to", value: to)) }
    if let version { attributes.append(XMLAttribute("version", value: version)) }
    return XMLStreamHeader(
        name: root.name, namespace: root.namespace, prefix: root.name == "stream" ? "stream" : nil, attributes: attributes,
        namespaceDeclarations: [
            XMLNamespaceDeclaration(prefix: nil, uri: contentNamespace),
            XMLNamespaceDeclaration(prefix: "stream", uri: XMPPNamespace.streams),
        ])
}

/// One element of a client's stream, parsed from text in `jabber:client`.
func clientElement(_ text: String) throws -> XMLElement {
    try XMLStreamParser.parseDocument(
        "<stream:stream xmlns='jabber:client' xmlns:stream='\(XMPPNamespace.streams)'>\(text)</stream:stream>"
    ).elements[0]
}

/// A machine for `example.test` with counting ids, so that tests can name them.
func makeStream(
    tls: Bool = true, requireTLS: Bool = true, allowPlain: Bool = false, registration: Bool = false,
    framing: StreamFraming = .tcp, contentNamespace: String = XMPPNamespace.client, secure: Bool = false,
    streamManagement: Bool = false
) -> ServerStreamNegotiation {
    let counter = IDCounter()
    let scram = SCRAMAlgorithm.preferenceOrder.map(\.mechanismName)
    var configuration = ServerStreamNegotiation.Configuration(
        domain: "example.test", framing: framing, contentNamespace: contentNamespace, tlsAvailable: tls, requireTLS: requireTLS,
        mechanismsOverTLS: scram + ["PLAIN"], mechanismsInClear: scram + (allowPlain ? ["PLAIN"] : []),
        allowPlainWithoutTLS: allowPlain, registration: registration, maxAuthFailures: 3,
        makeID: { counter.next(bytes: $0) })
    configuration.streamManagement = streamManagement
    return ServerStreamNegotiation(configuration: configuration, secure: secure)
}

/// Ids `id1`, `id2`, … (the byte count is ignored).
final class IDCounter: Sendable {
    private let count = Mutex(0)
    func next(bytes: Int) -> String { "id\(count.withLock { $0 += 1; return $0 })" }
}

/// A short, comparable name for each action.
func names(_ actions: [StreamAction]) -> [String] {
    actions.map { action in
        switch action {
        case .openStream: "open"
        case .send(let element):
            element.elements.first.map { "send \(element.name)/\($0.name)" } ?? "send \(element.name)"
        case .startTLS: "startTLS"
        case .restartStream: "restart"
        case .fetchSCRAMRecord: "fetchRecord"
        case .checkCredentials: "check"
        case .authenticationFailed(_, let delay): delay ? "failed+delay" : "failed"
        case .acceptLogin: "acceptLogin"
        case .refuseLogin: "refuseLogin"
        case .register: "register"
        case .bindResource(_, let resource): "bind \(resource)"
        case .acceptSession: "acceptSession"
        case .refuseSession: "refuseSession"
        case .stanza(let element): "stanza \(element.name)"
        case .resumeSession(let element): "resume \(element[attribute: "previd"] ?? "-")"
        case .acceptResumption: "acceptResumption"
        case .nonza(let element): "nonza \(element.name)"
        case .endSession: "endSession"
        case .closeStream(let error, let openFirst):
            "close \(error?.condition.rawValue ?? "-")\(openFirst == nil ? "" : " after header")"
        }
    }
}

/// The elements the actions send.
func sent(_ actions: [StreamAction]) -> [XMLElement] {
    actions.compactMap { if case .send(let element) = $0 { element } else { nil } }
}

/// The stream error the actions close with.
func closingError(_ actions: [StreamAction]) -> StreamError? {
    for case .closeStream(let error, _) in actions { return error }
    return nil
}

let aliceGranted = ServerStreamNegotiation.Granted(avatarID: Username("alice")!, account: JID("alice@example.test")!)

extension ServerStreamNegotiation {
    /// Header, STARTTLS, header, PLAIN for alice, success, header: ready to bind.
    mutating func authenticateAlice() throws {
        _ = receiveHeader(clientHeader())
        if configuration.tlsAvailable && !secure { _ = receiveElement(try clientElement("<starttls xmlns='\(XMPPNamespace.tls)'/>")) }
        _ = receiveHeader(clientHeader())
        _ = receiveElement(try plainAuth("alice", "alicepw"))
        _ = receiveLogin(.success(aliceGranted))
        _ = receiveHeader(clientHeader())
    }
}

func plainAuth(_ user: String, _ password: String) throws -> XMLElement {
    let initial = SASLEncoding.base64(SASLPlain.encode(authcid: user, password: password))
    return try clientElement("<auth xmlns='\(XMPPNamespace.sasl)' mechanism='PLAIN'>\(initial)</auth>")
}
