import CLDAP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Searches and reading their results.
extension LDAPConnection {
    /// A search (RFC 4511 §4.5); `attributes` empty asks for none ("1.1", RFC 4511 §4.5.1.8).
    /// A missing base gives no entries.
    func search(
        base: String, scope: LDAPScope, filter: String, attributes: [String], sizeLimit: Int
    ) throws(LDAPError) -> [LDAPEntry] {
        let names = attributes.isEmpty ? ["1.1"] : attributes
        let attrs = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: names.count + 1)
        for (index, name) in names.enumerated() { attrs[index] = strdup(name) }
        attrs[names.count] = nil
        defer {
            for index in 0..<names.count { free(attrs[index]) }
            attrs.deallocate()
        }
        var limit = timeval(seconds: settings.timeout)
        var message: OpaquePointer?
        let rc = ldap_search_ext_s(
            ld, base, scope.libldapValue, filter, attrs, 0, nil, nil, &limit,
            Int32(clamping: max(0, sizeLimit)), &message)
        defer { if let message { ldap_msgfree(message) } }
        switch rc {
        case LDAP_SUCCESS:
            return message.map(entries(in:)) ?? []
        case LDAP_NO_SUCH_OBJECT:
            return []
        case LDAP_SIZELIMIT_EXCEEDED:
            throw .sizeLimitExceeded(limit: sizeLimit)
        case LDAP_REFERRAL, LDAP_PARTIAL_RESULTS:
            throw .referral(message.flatMap(referrals(in:)) ?? detail(rc))
        default:
            throw error(rc, operation: "search")
        }
    }

    private func entries(in message: OpaquePointer) -> [LDAPEntry] {
        var result: [LDAPEntry] = []
        var entry = ldap_first_entry(ld, message)
        while let current = entry {
            var dn = ""
            if let raw = ldap_get_dn(ld, current) {
                dn = String(cString: raw)
                ldap_memfree(raw)
            }
            result.append(LDAPEntry(dn: dn, attributes: attributes(of: current)))
            entry = ldap_next_entry(ld, current)
        }
        return result
    }

    private func attributes(of entry: OpaquePointer) -> [String: [String]] {
        var attributes: [String: [String]] = [:]
        var ber: OpaquePointer?
        var name = ldap_first_attribute(ld, entry, &ber)
        while let current = name {
            var values: [String] = []
            if let list = ldap_get_values_len(ld, entry, current) {
                var index = 0
                while let value = list[index] {
                    let bytes = UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len))
                    values.append(String(decoding: bytes, as: UTF8.self))
                    index += 1
                }
                ldap_value_free_len(list)
            }
            attributes[String(cString: current).lowercased(), default: []].append(contentsOf: values)
            ldap_memfree(current)
            name = ldap_next_attribute(ld, entry, ber)
        }
        if let ber { ber_free(ber, 0) }
        return attributes
    }

    /// The referral URLs (RFC 4511 §4.1.10) of a result, space-separated.
    private func referrals(in message: OpaquePointer) -> String? {
        var code: Int32 = 0
        var urls: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        guard ldap_parse_result(ld, message, &code, nil, nil, &urls, nil, 0) == LDAP_SUCCESS, let urls else {
            return nil
        }
        defer { ber_memvfree(UnsafeMutableRawPointer(urls).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)) }
        var list: [String] = []
        var index = 0
        while let url = urls[index] {
            list.append(String(cString: url))
            index += 1
        }
        return list.isEmpty ? nil : list.joined(separator: " ")
    }
}
