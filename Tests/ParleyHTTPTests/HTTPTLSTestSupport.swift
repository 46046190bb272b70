import Foundation
import ParleyHTTP
import ParleyXMPPNIO
import PeerTestSupport

/// A self-signed certificate for `localhost` written into a new temporary folder, as the
/// `HTTPTLS` a mount asks for; `folder` to remove afterwards.
func temporaryTLS() throws -> (tls: HTTPTLS, folder: String) {
    let folder = NSTemporaryDirectory() + "http-tls-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let made = try TLSMaterial.makeSelfSigned(domain: "localhost")
    let certificate = folder + "/localhost.crt"
    let key = folder + "/localhost.key"
    try made.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
    try made.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
    let material = try TLSMaterial(certificatePath: certificate, keyPath: key)
    let tls = HTTPTLS(
        certificatePath: certificate, keyPath: key, certificateChain: material.certificateChain,
        privateKey: material.privateKey)
    return (tls, folder)
}

/// `curl` with `arguments`: its exit status and standard output. Run off the cooperative
/// pool, since the listener it asks answers from that pool.
func curl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let result = try await ChildProcess.runDetached("/usr/bin/curl", ["-s", "--max-time", "10"] + arguments, timeout: 20)
    return (result.status, result.stdoutText)
}
