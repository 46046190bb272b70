import CLDAP
import CLibXML2
import Testing

/// The system-library shims import and link on this machine (Debian's -dev packages,
/// found through pkg-config), so the adapters that need them build on a fresh clone.
@Suite struct CShimTests {
    @Test func libldapLinks() {
        let message = String(cString: ldap_err2string(LDAP_INVALID_CREDENTIALS))
        #expect(message == "Invalid credentials")
    }

    @Test func libxml2Links() {
        let version = String(cString: __xmlParserVersion().pointee!)
        #expect(Int(version).map { $0 >= 20900 } == true, "libxml2 \(version)")
    }
}
