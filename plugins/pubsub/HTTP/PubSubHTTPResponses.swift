import Foundation
import Hummingbird
import NIOCore
import ParleyPubSub

/// The HTTP face's answers: bodies with their media types, short text errors, and the
/// mapping of XEP-0060 errors to HTTP status codes.
enum PubSubHTTPResponses {
    /// A body of `bytes` as `type`, never cached or sniffed.
    static func body(_ status: HTTPResponse.Status, _ bytes: [UInt8], type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        if let nosniff = HTTPFields.Element.Name("X-Content-Type-Options") { headers[nosniff] = "nosniff" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A short text answer: `text` and a line feed.
    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        body(status, Array((text + "\n").utf8), type: "text/plain; charset=utf-8")
    }

    /// `401` with the Basic challenge (RFC 9110 §11.6.1: a 401 carries WWW-Authenticate).
    static func unauthorized(_ text: String, realm: String) -> Response {
        var response = Self.text(.unauthorized, text)
        response.headers[.wwwAuthenticate] = PubSubHTTPAuth.challenge(realm: realm)
        return response
    }

    /// The status of a XEP-0060 error (§6–§8 error tables) on HTTP: no such node `404`;
    /// not allowed `403` (`401` to an anonymous reader, who may log in); a payload past
    /// the limit `413`; a bad request `400`; a failed precondition `409`; a full service
    /// `503`; a failed write `500`.
    static func status(of error: PubSubError, anonymous: Bool) -> HTTPResponse.Status {
        switch error.stanza.condition {
        case .itemNotFound: .notFound
        case .notAuthorized: anonymous ? .unauthorized : .forbidden
        case .forbidden, .notAllowed, .registrationRequired, .subscriptionRequired: .forbidden
        case .notAcceptable: error.condition == .payloadTooBig ? .contentTooLarge : .badRequest
        case .conflict: .conflict
        case .resourceConstraint, .serviceUnavailable, .policyViolation: .serviceUnavailable
        case .featureNotImplemented: .notImplemented
        case .internalServerError: .internalServerError
        default: .badRequest
        }
    }

    /// The answer for `error`: its status and the error's own description.
    static func failure(_ error: PubSubError, anonymous: Bool, realm: String) -> Response {
        let status = status(of: error, anonymous: anonymous)
        return status == .unauthorized ? unauthorized("\(error)", realm: realm) : text(status, "\(error)")
    }
}
