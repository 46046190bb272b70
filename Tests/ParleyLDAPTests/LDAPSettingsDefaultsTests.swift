import ParleyLDAP
import Testing

@Suite struct LDAPSettingsDefaultsTests {
    @Test func theFilterDefaultsToTheUserAttribute() {
        var settings = LDAPSettings(uri: "ldaps://127.0.0.1:636")
        #expect(settings.effectiveFilter == "(uid=%u)")
        #expect(settings.isLDAPS)
        settings.userAttribute = "sAMAccountName"
        #expect(settings.effectiveFilter == "(sAMAccountName=%u)")
    }
}
