import ParleyCore

/// XEP-0421: an occupant's stable id in one room, the same for all its sessions and across
/// nick changes and restarts, different in every room (FNV-1a of room and account, hex).
public enum OccupantID {
    public static func of(_ user: UserID, in room: RoomID) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in room.key.utf8 + [0] + user.description.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
