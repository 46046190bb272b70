import ParleyIRC
import ParleyIRCNIO

/// Helpers for the client state-machine tests.
extension IRCClientState {
    /// Feeds raw lines; returns all actions.
    mutating func feed(_ lines: String...) -> [IRCClientAction] {
        lines.flatMap { receive(try! IRCMessage(parsing: $0)) }
    }
}

extension [IRCClientAction] {
    /// The lines sent (queued or immediate), serialized.
    var sentLines: [String] {
        compactMap {
            switch $0 {
            case .send(let message), .sendNow(let message): message.serialized()
            default: nil
            }
        }
    }

    var events: [IRCClientEvent] {
        compactMap {
            if case .event(let event) = $0 { return event }
            return nil
        }
    }
}

/// A state registered as `me` on a server with `PREFIX=(qaohv)~&@%+` and ascii mapping.
func registeredState(channels: [String: String?] = [:], capabilities: Set<String> = []) -> IRCClientState {
    var state = IRCClientState(
        configuration: IRCClientConfiguration(host: "irc.example", nick: "me", capabilities: capabilities, channels: channels))
    _ = state.connected()
    _ = state.feed(
        ":srv 001 me :Welcome",
        ":srv 005 me CASEMAPPING=ascii PREFIX=(qaohv)~&@%+ CHANTYPES=# CHANMODES=beI,k,l,imnpst NICKLEN=16 :are supported")
    return state
}
