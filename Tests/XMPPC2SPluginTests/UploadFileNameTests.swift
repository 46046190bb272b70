import Testing

@testable import XMPPC2SPlugin

/// XEP-0363 file names and media types as the slot service checks them.
@Suite struct UploadFileNameTests {
    @Test func namesThatWouldNameAPathAreRefused() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "new\nline", String(repeating: "x", count: 201)] {
            #expect(UploadFileName.problem(bad) != nil, "\(bad)")
        }
        for good in ["photo.png", "été 2026.jpg", ".hidden", "a..b"] { #expect(UploadFileName.problem(good) == nil, "\(good)") }
    }

    @Test func urlSegmentsAndMediaTypes() {
        #expect(UploadFileName.urlSegment("été 2026.jpg") == "%C3%A9t%C3%A9%202026.jpg")
        #expect(UploadFileName.urlSegment("a-b_c~d.e") == "a-b_c~d.e")
        #expect(UploadFileName.mediaType("Image/PNG") == "image/png")
        #expect(UploadFileName.mediaType("text/html; charset=utf-8") == nil)
        #expect(UploadFileName.mediaType("nonsense") == nil)
    }
}
