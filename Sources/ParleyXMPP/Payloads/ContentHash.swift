import Crypto
import Foundation

/// The SHA-1 of content in lowercase hex: what XEP-0084 and XEP-0153/XEP-0398 name an
/// avatar by.
public enum ContentHash {
    public static func sha1Hex(_ data: Data) -> String {
        Insecure.SHA1.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
