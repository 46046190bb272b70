import ParleyCore

/// IRC channel names ↔ core rooms: `#dev` is the room `dev`, the same room an XMPP client
/// reaches as dev@conference.<domain>. Channel names compare as room names do (folded
/// case, NFC), so `#Dev` and `#dev` are one room.
public enum IRCChannelName {
    /// The only channel type Parley serves (ISUPPORT `CHANTYPES=#`).
    public static let prefix: Character = "#"
    /// Longest channel name in bytes, prefix included (ISUPPORT `CHANNELLEN`).
    public static let maximumLength = 64

    /// The room for a channel name, or nil when it is not a valid channel name (no `#`,
    /// spaces, commas, BEL, NUL/CR/LF, colon, longer than `maximumLength`, or no valid RoomID).
    public static func roomID(for channel: String) -> RoomID? {
        let bytes = channel.utf8
        // RFC 2812 §1.3: a prefix, then anything but NUL, BEL, CR, LF, space, comma and
        // colon; modern.ircdocs.horse "Channels" adds the CHANNELLEN bound.
        guard bytes.count > 1, bytes.count <= maximumLength, bytes.first == UInt8(ascii: "#") else { return nil }
        for byte in bytes.dropFirst() {
            switch byte {
            case 0x00, 0x07, 0x0A, 0x0D, 0x20, UInt8(ascii: ","), UInt8(ascii: ":"): return nil
            default: continue
            }
        }
        return RoomID(String(channel.dropFirst()))
    }

    /// `#` + the room's display name.
    public static func channel(for room: RoomID) -> String {
        "#" + room.displayName
    }
}
