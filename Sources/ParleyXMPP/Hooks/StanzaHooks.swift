import ParleyXML

/// The ordered table of stanza handlers that features register, in the manner of
/// Prosody's module events: IQs by namespace and type, messages by type and target,
/// presence by kind. Each handler gets the stanza and a `Context` (what the listener
/// lets a feature use); the table does the routing and the uniform error mapping, so a
/// new feature is a new file that registers hooks, not a new case in the connection.
///
/// Handlers with the same key run in priority order (higher first, then registration
/// order); a handler returns nil (IQ) or `.pass` (message, presence) to let the next one
/// try. Handlers run on the caller's executor.
public struct StanzaHooks<Context: Sendable>: Sendable {
    /// Answers an IQ request, or nil to let the next handler try. A thrown `StanzaError`
    /// is the reply; any other error is logged and answered `internal-server-error`.
    public typealias IQHandler = nonisolated(nonsending) @Sendable (IQRequest, Context) async throws -> IQReply?
    /// Handles a message or presence, or passes. Errors are mapped as for IQs.
    public typealias StanzaHandler = nonisolated(nonsending) @Sendable (RoutedStanza, Context) async throws -> HookOutcome

    struct Entry<Handler: Sendable>: Sendable {
        let priority: Int
        let order: Int
        let handler: Handler
    }

    struct IQKey: Hashable, Sendable {
        let namespace: String
        let type: IQRequest.Kind
    }

    private var iqHooks: [IQKey: [Entry<IQHandler>]] = [:]
    private var iqNamespaces: Set<String> = []
    private var accountIQHooks: [IQKey: [Entry<IQHandler>]] = [:]
    private var accountIQNamespaces: Set<String> = []
    private var messageHooks: [MessageFilter: [Entry<StanzaHandler>]] = [:]
    private var presenceHooks: [PresenceKind: [Entry<StanzaHandler>]] = [:]
    private var count = 0
    /// The disco#info features the registered features advertise (XEP-0030), in order.
    public private(set) var features: [String] = []

    public init() {}

    // MARK: Registration

    /// Handles IQs of `type` whose child is in `namespace`.
    public mutating func onIQ(_ type: IQRequest.Kind, namespace: String, priority: Int = 0, _ handler: @escaping IQHandler) {
        let entry = entry(priority, handler)
        Self.insert(entry, into: &iqHooks[IQKey(namespace: namespace, type: type), default: []])
        iqNamespaces.insert(namespace)
    }

    /// Handles IQs of `type` in `namespace` sent to another local account's bare JID, which
    /// the server answers on that account's behalf (RFC 6121 §8.5.2.1.3; XEP-0163's PEP
    /// service lives there). Handlers registered with `onIQ` never see those.
    public mutating func onAccountIQ(
        _ type: IQRequest.Kind, namespace: String, priority: Int = 0, _ handler: @escaping IQHandler
    ) {
        let entry = entry(priority, handler)
        Self.insert(entry, into: &accountIQHooks[IQKey(namespace: namespace, type: type), default: []])
        accountIQNamespaces.insert(namespace)
    }

    /// Handles messages of `type` (any when nil) sent to `target`.
    public mutating func onMessage(
        _ type: MessageType?, to target: TargetKind, priority: Int = 0, _ handler: @escaping StanzaHandler
    ) {
        let entry = entry(priority, handler)
        Self.insert(entry, into: &messageHooks[MessageFilter(type: type, target: target), default: []])
        hasMessageHooks = true
    }

    /// Handles presence of `kind`.
    public mutating func onPresence(_ kind: PresenceKind, priority: Int = 0, _ handler: @escaping StanzaHandler) {
        let entry = entry(priority, handler)
        Self.insert(entry, into: &presenceHooks[kind, default: []])
        hasPresenceHooks = true
    }

    /// Adds a disco#info feature (each once).
    public mutating func advertise(_ feature: String) {
        if !features.contains(feature) { features.append(feature) }
    }

    /// XEP-0128 forms the server's disco#info carries (XEP-0363's max-file-size).
    public private(set) var serverForms: [DataForm] = []

    /// Adds an XEP-0128 extension form to the server's disco#info.
    public mutating func advertise(form: DataForm) {
        serverForms.append(form)
    }

    /// The disco#info features of an account's own bare JID (XEP-0030 §3.1; XEP-0313 §7:
    /// the account's archive), in order.
    public private(set) var accountFeatures: [String] = []

    /// Adds `feature` to what an account's bare JID advertises to the account itself.
    public mutating func advertiseOnAccount(_ feature: String) {
        if !accountFeatures.contains(feature) { accountFeatures.append(feature) }
    }

    /// Whether any message or presence hook is registered (the caller can skip the table).
    /// Stored, not computed: the per-stanza path reads them, and `isEmpty` on these
    /// dictionaries would look up generic metadata on every stanza.
    public private(set) var hasMessageHooks = false
    public private(set) var hasPresenceHooks = false

    /// Keeps a list in running order: higher priority first, then registration order.
    private static func insert<Handler>(_ entry: Entry<Handler>, into list: inout [Entry<Handler>]) {
        list.insert(entry, at: list.firstIndex { Entry.runsBefore(entry, $0) } ?? list.endIndex)
    }

    private mutating func entry<Handler>(_ priority: Int, _ handler: Handler) -> Entry<Handler> {
        count += 1
        return Entry(priority: priority, order: count, handler: handler)
    }

    // MARK: Dispatch

    /// The answer to `request`: the first handler's that does not pass.
    /// RFC 6120 §8.4: a namespace no feature knows is `service-unavailable`; a known
    /// namespace without the request's type is `feature-not-implemented` (§8.3.3.3).
    /// `unexpected` hears of errors that are not stanza errors.
    public nonisolated(nonsending) func dispatch(
        _ request: IQRequest, context: Context, unexpected: (any Error) -> Void
    ) async -> IQReply {
        let namespace = request.child.namespace
        let forAccount = request.isToAnotherAccount
        guard let entries = (forAccount ? accountIQHooks : iqHooks)[IQKey(namespace: namespace, type: request.type)] else {
            if (forAccount ? accountIQNamespaces : iqNamespaces).contains(namespace) {
                return .error(StanzaError(.featureNotImplemented, text: "no \(request.type.rawValue) is defined here"))
            }
            return .error(StanzaError(.serviceUnavailable))
        }
        for entry in entries {
            do {
                if let reply = try await entry.handler(request, context) { return reply }
            } catch let error as StanzaError {
                return .error(error)
            } catch {
                unexpected(error)
                return .error(StanzaError(.internalServerError))
            }
        }
        return .error(StanzaError(.serviceUnavailable))
    }

    /// Offers a message to the hooks for its type and target, then to those for any type.
    public nonisolated(nonsending) func dispatch(
        message stanza: RoutedStanza, context: Context, unexpected: (any Error) -> Void
    ) async -> HookResult {
        let type = MessageType(stanza.element[attribute: "type"])
        let specific = messageHooks[MessageFilter(type: type, target: stanza.target)] ?? []
        let general = messageHooks[MessageFilter(type: nil, target: stanza.target)] ?? []
        return await run(Self.merge(specific, general), stanza, context, unexpected)
    }

    /// Offers a presence to the hooks for its kind.
    public nonisolated(nonsending) func dispatch(
        presence stanza: RoutedStanza, context: Context, unexpected: (any Error) -> Void
    ) async -> HookResult {
        guard let kind = PresenceKind(stanza) else { return .unhandled }
        return await run(presenceHooks[kind] ?? [], stanza, context, unexpected)
    }

    private nonisolated(nonsending) func run(
        _ entries: [Entry<StanzaHandler>], _ stanza: RoutedStanza, _ context: Context, _ unexpected: (any Error) -> Void
    ) async -> HookResult {
        for entry in entries {
            do {
                if case .handled = try await entry.handler(stanza, context) { return .handled }
            } catch let error as StanzaError {
                return .failed(error)
            } catch {
                unexpected(error)
                return .failed(StanzaError(.internalServerError))
            }
        }
        return .unhandled
    }

    private static func merge(_ a: [Entry<StanzaHandler>], _ b: [Entry<StanzaHandler>]) -> [Entry<StanzaHandler>] {
        b.isEmpty ? a : a.isEmpty ? b : (a + b).sorted(by: Entry.runsBefore)
    }
}

extension StanzaHooks.Entry {
    static func runsBefore(_ a: Self, _ b: Self) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.order < b.order
    }
}
