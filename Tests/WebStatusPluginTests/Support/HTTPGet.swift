import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 response, as read off a real loopback socket.
struct HTTPResponse {
    let status: Int
    /// Header names lowercased.
    let headers: [String: String]
    let body: String
}

struct HTTPFailure: Error, CustomStringConvertible {
    let description: String
}

/// A blocking `GET` over a raw TCP socket to 127.0.0.1 (`Connection: close`, read to the
/// end), run on a Dispatch thread: blocking a thread of the cooperative pool would starve
/// the server's own handlers (Hummingbird responds on that pool) while tests run in parallel.
func httpGet(port: Int, path: String) async throws -> HTTPResponse {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try blockingGet(port: port, path: path) })
        }
    }
}

private func blockingGet(port: Int, path: String) throws -> HTTPResponse {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HTTPFailure(description: "socket failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HTTPFailure(description: "connect to 127.0.0.1:\(port) failed") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == EINTR { continue }  // a signal, not the end (signal(7))
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { throw HTTPFailure(description: "no header end in \(text)") }
    let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusWords = head.first?.split(separator: " ") ?? []
    guard statusWords.count >= 2, let status = Int(statusWords[1]) else {
        throw HTTPFailure(description: "bad status line in \(text)")
    }
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = String(text[split.upperBound...])
    if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
    return HTTPResponse(status: status, headers: headers, body: body)
}

/// Undoes `Transfer-Encoding: chunked` (RFC 9112 §7.1), enough for these small pages.
private func dechunk(_ text: String) -> String {
    var rest = Substring(text)
    var out = ""
    while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
        let start = lineEnd.upperBound
        let bytes = Array(rest[start...].utf8.prefix(size))
        out += String(decoding: bytes, as: UTF8.self)
        rest = Substring(String(decoding: Array(rest[start...].utf8.dropFirst(size + 2)), as: UTF8.self))
    }
    return out
}
