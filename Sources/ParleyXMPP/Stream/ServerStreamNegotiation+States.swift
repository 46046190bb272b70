import ParleyCred
import ParleyXML

extension ServerStreamNegotiation {
    /// Where the stream stands; each case carries what that stage needs.
    enum State: Sendable {
        /// Waiting for the peer's header, at start and after each restart.
        case awaitingHeader(AwaitingHeader)
        /// Header answered with the features before authentication (TLS, SASL, register).
        case negotiating(Negotiating)
        /// A SASL exchange is in progress (RFC 6120 §6.4). Boxed: its SCRAM state is large
        /// and short-lived, and an idle stream should not carry room for it.
        indirect case authenticating(Authenticating)
        /// Authenticated and restarted: bind features sent, waiting for the bind IQ (§7).
        case authenticated(Authenticated)
        /// The bind IQ is being answered by the model.
        case binding(Binding)
        /// A resource is bound: stanzas flow (§8).
        case bound(Bound)
        /// Closing or closed: nothing more is processed.
        case closed
    }

    struct AwaitingHeader: Sendable {
        /// Set after SASL success: the next features are the bind ones.
        var account: JID?
        var authFailures: Int
    }

    struct Negotiating: Sendable {
        var authFailures: Int
    }

    struct Authenticating: Sendable {
        enum Step: Sendable {
            /// SCRAM waits for the record asked with `.fetchSCRAMRecord`.
            case fetchingRecord(SCRAMServer)
            /// SCRAM sent a challenge and waits for the client's `<response/>`.
            case challenged(SCRAMServer)
            /// The portal checks credentials (`.checkCredentials`); SCRAM then signs.
            case checking(SCRAMServer?)
        }
        var authFailures: Int
        var step: Step
    }

    struct Authenticated: Sendable {
        var account: JID
    }

    struct Binding: Sendable {
        var account: JID
        var iq: XMLElement
    }

    struct Bound: Sendable {
        var jid: JID
    }
}
