import CLDAP

/// libldap result codes and diagnostics as `LDAPError`s.
extension LDAPConnection {
    /// libldap's text for `rc` plus the server's or library's diagnostic message.
    func detail(_ rc: Int32) -> String {
        let text = LDAPConnection.errorString(rc)
        guard let diagnostic = diagnostic(), !diagnostic.isEmpty, diagnostic != text else { return text }
        return "\(text) (\(diagnostic))"
    }

    func diagnostic() -> String? {
        var raw: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw) == LDAP_OPT_SUCCESS, let raw else { return nil }
        defer { ldap_memfree(raw) }
        return String(cString: raw)
    }

    static func errorString(_ rc: Int32) -> String {
        ldap_err2string(rc).map { String(cString: $0) } ?? "LDAP error \(rc)"
    }

    /// Maps a libldap result code to the error the directory reports.
    func error(_ rc: Int32, operation: String) -> LDAPError {
        let detail = detail(rc)
        switch rc {
        case LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR:
            // COMPAT: Debian's libldap uses GnuTLS, whose handshake errors reach us only as
            // "(unknown error code)": a connect error with TLS on, or an ldaps failure with
            // any diagnostic at all (a refused TCP connection has none), is the handshake.
            let handshake =
                rc == LDAP_CONNECT_ERROR || LDAPConnection.mentionsTLS(detail)
                || (settings.isLDAPS && !(diagnostic() ?? "").isEmpty)
            if usesTLS, handshake { return .tls(tlsFailure(operation: operation, detail: detail)) }
            return .unreachable(uri: settings.uri, detail: detail)
        case LDAP_TIMEOUT, LDAP_TIMELIMIT_EXCEEDED:
            return .timeout(operation: operation, seconds: operation == "connect" ? settings.connectTimeout : settings.timeout)
        case LDAP_REFERRAL, LDAP_PARTIAL_RESULTS:
            return .referral(detail)
        case LDAP_SIZELIMIT_EXCEEDED:
            return .sizeLimitExceeded(limit: settings.sizeLimit)
        default:
            return .operation(code: rc, message: detail)
        }
    }

    /// What the operator needs to fix a failed handshake: which certificates were trusted.
    private func tlsFailure(operation: String, detail: String) -> String {
        let trusted = settings.caFile.map { "ca-file \($0)" } ?? "the system's CA certificates"
        let check =
            settings.verifyCertificate
            ? "the server's certificate must chain to \(trusted) and name the host in \(settings.uri)"
            : "certificate checks are off (tls-verify no), so the server does not speak TLS here"
        return "TLS handshake (\(operation)) with \(settings.uri) failed: \(detail); \(check)"
    }

    private static func mentionsTLS(_ detail: String) -> Bool {
        let lower = detail.lowercased()
        return ["tls", "ssl", "certificate", "handshake"].contains { lower.contains($0) }
    }
}
