import CLDAP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libldap handle: connected, optionally upgraded with StartTLS and bound as the
/// service account, then used for searches or simple binds. Every call blocks; the pool
/// runs them on its own threads and hands a connection to one thread at a time, which is
/// why it may cross threads (`@unchecked Sendable`).
final class LDAPConnection: @unchecked Sendable {
    let ld: OpaquePointer
    let settings: LDAPSettings
    private let watch = LDAPSocketWatch()
    private var isClosed = false

    private init(ld: OpaquePointer, settings: LDAPSettings) {
        self.ld = ld
        self.settings = settings
    }

    deinit { close() }

    /// Whether TLS protects this connection (ldaps, or StartTLS on ldap).
    var usesTLS: Bool { settings.isLDAPS || settings.startTLS }

    /// Opens a connection: options, TCP (and TLS for ldaps), StartTLS when configured, and
    /// for the search role a simple bind as `bindDN` (anonymous when there is none).
    static func open(settings: LDAPSettings, bindAsService: Bool) throws(LDAPError) -> LDAPConnection {
        var handle: OpaquePointer?
        let rc = ldap_initialize(&handle, settings.uri)
        guard rc == LDAP_SUCCESS, let handle else {
            throw .unreachable(uri: settings.uri, detail: "bad URI: \(errorString(rc))")
        }
        let connection = LDAPConnection(ld: handle, settings: settings)
        do throws(LDAPError) {
            try connection.configure()
            try connection.connect()
            if bindAsService, let dn = settings.bindDN {
                try connection.serviceBind(dn: dn, password: settings.bindPassword ?? "")
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    // MARK: Set-up

    private func configure() throws(LDAPError) {
        var version = LDAP_VERSION3
        try setOption(LDAP_OPT_PROTOCOL_VERSION, &version, "protocol version")
        // Referrals are returned as errors, never chased (a referral loop must not hang).
        guard ldap_set_option(ld, LDAP_OPT_REFERRALS, nil) == LDAP_OPT_SUCCESS else {
            throw .operation(code: LDAP_OPT_ERROR, message: "cannot turn referral chasing off")
        }
        var network = timeval(seconds: settings.connectTimeout)
        try setOption(LDAP_OPT_NETWORK_TIMEOUT, &network, "network timeout")
        var api = timeval(seconds: settings.timeout)
        try setOption(LDAP_OPT_TIMEOUT, &api, "timeout")
        try setOption(LDAP_OPT_CONNECT_CB, watch.callbacks, "connection callback")
        guard usesTLS else { return }
        if let caFile = settings.caFile {
            let rc = caFile.withCString { ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, $0) }
            guard rc == LDAP_OPT_SUCCESS else { throw .tls("cannot use ca-file \(caFile)") }
        }
        var require = settings.verifyCertificate ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER
        try setOption(LDAP_OPT_X_TLS_REQUIRE_CERT, &require, "tls-verify")
        // The options above only take effect in a new TLS context for this handle.
        var isServer: Int32 = 0
        guard ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &isServer) == LDAP_OPT_SUCCESS else {
            let certificates = settings.caFile.map { "the CA certificates in ca-file \($0)" } ?? "the system CA certificates"
            let reason = diagnostic().map { ": \($0)" } ?? ""
            throw .tls("cannot load \(certificates) into a TLS context\(reason)")
        }
    }

    private func setOption(_ option: Int32, _ value: UnsafeRawPointer, _ name: String) throws(LDAPError) {
        guard ldap_set_option(ld, option, value) == LDAP_OPT_SUCCESS else {
            throw .operation(code: LDAP_OPT_ERROR, message: "cannot set the \(name) option")
        }
    }

    private func connect() throws(LDAPError) {
        let (rc, connectTimedOut) = watch.guarding(seconds: settings.connectTimeout) { ldap_connect(ld) }
        if connectTimedOut { throw .timeout(operation: "connect", seconds: settings.connectTimeout) }
        guard rc == LDAP_SUCCESS else { throw error(rc, operation: "connect") }
        guard settings.startTLS, !settings.isLDAPS else { return }
        // RFC 4513 §3: StartTLS before any bind; a refusal is an error, never a fallback.
        let limit = settings.timeout + settings.connectTimeout
        let (tls, tlsTimedOut) = watch.guarding(seconds: limit) { ldap_start_tls_s(ld, nil, nil) }
        if tlsTimedOut { throw .timeout(operation: "StartTLS", seconds: limit) }
        switch tls {
        case LDAP_SUCCESS: return
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR, LDAP_TIMEOUT: throw error(tls, operation: "StartTLS")
        default: throw .tls("StartTLS refused: \(detail(tls))")
        }
    }

    private func serviceBind(dn: String, password: String) throws(LDAPError) {
        let rc = simpleBind(dn: dn, password: password)
        switch rc {
        case LDAP_SUCCESS: return
        case LDAP_INVALID_CREDENTIALS: throw .serviceBindFailed(dn: dn, detail: detail(rc))
        default: throw error(rc, operation: "service bind")
        }
    }

    // MARK: Operations

    /// A simple bind (RFC 4513 §5.1.3): true on success, false for invalidCredentials (49).
    func bind(dn: String, password: String) throws(LDAPError) -> Bool {
        let rc = simpleBind(dn: dn, password: password)
        switch rc {
        case LDAP_SUCCESS: return true
        case LDAP_INVALID_CREDENTIALS: return false
        default: throw error(rc, operation: "bind")
        }
    }

    private func simpleBind(dn: String, password: String) -> Int32 {
        var bytes = Array(password.utf8)
        return bytes.withUnsafeMutableBytes { buffer in
            var credential = berval(
                bv_len: ber_len_t(buffer.count),
                bv_val: buffer.baseAddress?.assumingMemoryBound(to: CChar.self))
            // LDAP_SASL_SIMPLE is a null mechanism, which Swift cannot import.
            return ldap_sasl_bind_s(ld, dn, nil, &credential, nil, nil, nil)
        }
    }

    /// Sends an unbind (RFC 4511 §4.3) and frees the handle; safe to call twice.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        ldap_unbind_ext(ld, nil, nil)
        watch.release()
    }
}

extension LDAPScope {
    /// The `scope` argument of `ldap_search_ext_s`.
    var libldapValue: Int32 {
        switch self {
        case .base: LDAP_SCOPE_BASE
        case .oneLevel: LDAP_SCOPE_ONELEVEL
        case .subtree: LDAP_SCOPE_SUBTREE
        }
    }
}

extension timeval {
    /// `seconds` as a `timeval`; negative values become zero.
    init(seconds: Double) {
        let clamped = max(0, seconds)
        let whole = clamped.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((clamped - whole) * 1_000_000))
    }
}

extension LDAPError {
    /// Whether the connection that produced this error is unusable (server down, no
    /// answer, TLS broken): it is discarded, and the operation may be retried once.
    var isConnectionLevel: Bool {
        switch self {
        case .unreachable, .timeout, .tls: true
        default: false
        }
    }
}
