import ParleyXMPP

/// XEP-0092: the server's software name and version.
struct VersionIQ: IQHandler {
    let namespace = XMPPNamespace.version
    var features: [String] { [XMPPNamespace.version] }
    static let softwareName = "Parley"
    static let softwareVersion = "0.3.0"

    func handle(_ request: IQRequest, connection: C2SConnection) async -> IQReply {
        guard !request.isSet else { return .getOnly }
        // Only the server answers for itself; an account's version is its clients' business.
        guard request.to?.localpart == nil else { return .error(StanzaError(.serviceUnavailable)) }
        return .result(SoftwareVersion(name: Self.softwareName, version: Self.softwareVersion, os: nil).element)
    }
}
