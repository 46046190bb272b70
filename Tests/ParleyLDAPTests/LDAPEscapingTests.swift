import ParleyLDAP
import Testing

/// RFC 4515 §3 filter values and RFC 4514 §2.4 DN values.
@Suite struct LDAPEscapingTests {
    @Test func filterSpecialsAreHexEscaped() {
        #expect(LDAPEscaping.filterValue("a*b") == "a\\2ab")
        #expect(LDAPEscaping.filterValue("(x)") == "\\28x\\29")
        #expect(LDAPEscaping.filterValue("back\\slash") == "back\\5cslash")
        #expect(LDAPEscaping.filterValue("nul\u{0}byte") == "nul\\00byte")
        #expect(LDAPEscaping.filterValue("*)(uid=*))(|(uid=*") == "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a")
    }

    @Test func filterKeepsOrdinaryAndNonASCIIText() {
        #expect(LDAPEscaping.filterValue("alice") == "alice")
        #expect(LDAPEscaping.filterValue("jürgen.ß@例え") == "jürgen.ß@例え")
        #expect(LDAPEscaping.filterValue("a=b,c+d") == "a=b,c+d")
        #expect(LDAPEscaping.filterValue("") == "")
    }

    @Test func dnSpecialsGetABackslash() {
        #expect(LDAPEscaping.dnValue("Smith, John") == "Smith\\, John")
        #expect(LDAPEscaping.dnValue("a+b=c") == "a\\+b\\=c")
        #expect(LDAPEscaping.dnValue("\"q\"<x>;\\") == "\\\"q\\\"\\<x\\>\\;\\\\")
        #expect(LDAPEscaping.dnValue("nul\u{0}") == "nul\\00")
    }

    @Test func dnLeadingAndTrailingSpecials() {
        #expect(LDAPEscaping.dnValue("#hash") == "\\#hash")
        #expect(LDAPEscaping.dnValue("mid#hash") == "mid#hash")
        #expect(LDAPEscaping.dnValue(" lead") == "\\ lead")
        #expect(LDAPEscaping.dnValue("trail ") == "trail\\ ")
        #expect(LDAPEscaping.dnValue("in side") == "in side")
        #expect(LDAPEscaping.dnValue(" ") == "\\ ")
        #expect(LDAPEscaping.dnValue("  ") == "\\ \\ ")
    }

    @Test func dnKeepsNonASCII() {
        #expect(LDAPEscaping.dnValue("jürgen") == "jürgen")
        #expect(LDAPEscaping.dnValue("例え") == "例え")
    }
}
