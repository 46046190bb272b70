import ParleyCred

extension ServerStreamNegotiation {
    /// What a listener offers, fixed for the life of its streams.
    public struct Configuration: Sendable {
        /// The domain served (the `to` a header must name, the `from` of ours).
        public var domain: String
        /// The stream's framing on its transport.
        public var framing: StreamFraming
        /// The namespace of the stream's stanzas (RFC 6120 §4.8.2): `jabber:client` for
        /// clients, `jabber:server` between servers.
        public var contentNamespace: String
        /// Whether STARTTLS can be offered (a certificate is loaded; TCP framing only).
        public var tlsAvailable: Bool
        /// RFC 6120 §5.3.1: no SASL before TLS.
        public var requireTLS: Bool
        /// The SASL mechanisms offered over an encrypted stream, in preference order.
        public var mechanismsOverTLS: [String]
        /// The SASL mechanisms offered over a clear stream (PLAIN only if allowed).
        public var mechanismsInClear: [String]
        /// Whether passwords may cross a clear stream (PLAIN, in-band registration).
        public var allowPlainWithoutTLS: Bool
        /// Whether in-band registration (XEP-0077) is enabled and has a store to write to.
        public var registration: Bool
        /// Failed SASL attempts after which the stream is closed (at least 1).
        public var maxAuthFailures: Int
        /// Whether XEP-0198 stream management is offered after authentication (acks,
        /// and resumption instead of binding).
        public var streamManagement = false
        /// Whether XEP-0352 client state indication is offered after authentication.
        public var clientStateIndication = false

        /// The namespaces of the top-level elements (nonzas) the bound stream hands to the
        /// connection: XEP-0198's and XEP-0352's, as configured.
        func handsOver(_ namespace: String) -> Bool {
            (streamManagement && namespace == XMPPNamespace.streamManagement)
                || (clientStateIndication && namespace == XMPPNamespace.clientState)
        }
        /// Random hex of this many bytes: stream ids and generated resources.
        public var makeID: @Sendable (_ bytes: Int) -> String

        public init(
            domain: String, framing: StreamFraming = .tcp, contentNamespace: String = XMPPNamespace.client,
            tlsAvailable: Bool, requireTLS: Bool,
            mechanismsOverTLS: [String], mechanismsInClear: [String], allowPlainWithoutTLS: Bool = false,
            registration: Bool = false, maxAuthFailures: Int = 3,
            makeID: @escaping @Sendable (_ bytes: Int) -> String = { SASLEncoding.randomID(bytes: $0) }
        ) {
            self.domain = domain
            self.framing = framing
            self.contentNamespace = contentNamespace
            self.tlsAvailable = tlsAvailable && framing == .tcp
            self.requireTLS = requireTLS
            self.mechanismsOverTLS = mechanismsOverTLS
            self.mechanismsInClear = mechanismsInClear
            self.allowPlainWithoutTLS = allowPlainWithoutTLS
            self.registration = registration
            self.maxAuthFailures = max(1, maxAuthFailures)
            self.makeID = makeID
        }
    }
}
