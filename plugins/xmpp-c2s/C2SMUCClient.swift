import ParleyCore
import ParleyMUC
import ParleyXML

/// The client stream as the MUC service sees it: answers go to the connection, and the
/// history asked for on entering waits in the mind for the entry it renders next.
struct C2SMUCClient: MUCClient {
    let connection: C2SConnection
    let mind: C2SMind

    func send(_ element: XMLElement) async {
        await connection.write(element)
    }

    func expectEntry(to room: RoomID, history: MUCHistoryRequest) {
        mind.expectEntry(to: room, history: history)
    }
}
