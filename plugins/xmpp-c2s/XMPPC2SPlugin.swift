import Foundation
import Logging
import ParleyHTTP
import ParleyLauncher
import ParleyServerNIO
import ParleyXMPP
import ParleyXMPPNIO
import ServiceLifecycle

/// `parleyd xmpp-c2s`: the XMPP client-to-server listener (RFC 6120, RFC 6121) that any
/// standard XMPP client logs in to. Every stanza passes through the chat model, one
/// model session per bound resource.
public enum XMPPC2SPlugin: ParleyPlugin {
    public static let name = "xmpp-c2s"
    public static let summary = "XMPP client-to-server (RFC 6120/6121): STARTTLS, SASL, roster, presence, messages, offline storage."

    static let hostOption = PluginOption<String>("host", default: "127.0.0.1", help: "Address to listen on (0.0.0.0 or :: for all).")
    static let portOption = PluginOption<Int>("port", default: 5222, range: 0...65535, help: "TCP port; 0 picks a free one.")
    static let httpHostOption = PluginOption<String>(
        "http-host", default: "", help: "Address of the WebSocket endpoint's HTTP listener; empty: the same as host.")
    static let httpPortOption = PluginOption<Int>(
        "http-port", default: -1, range: -1...65535,
        help: "HTTP port of XMPP over WebSocket (RFC 7395, /xmpp-websocket), BOSH (XEP-0206, /http-bind) and host-meta; 0 picks a free one; -1: off.")
    static let httpsPortOption = PluginOption<Int>(
        "https-port", default: -1, range: -1...65535,
        help: "HTTPS port of the same endpoints (wss:, BOSH over https) with the certificate STARTTLS offers; 0 picks a free one; -1: off.")
    static let httpPublicURLOption = PluginOption<String>(
        "http-public-url", default: "",
        help: "Base URL a proxy publishes the web endpoints at (https://chat.example.org), named by host-meta; empty: the request's Host.")
    static let httpTLSOption = PluginOption<Bool>(
        "http-tls", default: false,
        help: "Serve the WebSocket endpoint over HTTPS (wss:) with the certificate STARTTLS offers.")
    static let httpOriginsOption = PluginOption<String>(
        "http-allowed-origins", default: "",
        help: "Browser origins (scheme://host[:port], comma-separated; * for any) allowed to open the WebSocket; empty: the same origin.")
    static let boshMaxWaitOption = PluginOption<Int>(
        "bosh-max-wait", default: 60, range: 1...60,
        help: "Longest seconds a BOSH request is held (the session's wait, XEP-0124 §7.2).")
    static let boshInactivityOption = PluginOption<Int>(
        "bosh-inactivity", default: 60, range: 10...600,
        help: "Seconds a BOSH client may go without any request open before its session ends.")
    static let boshMaxSessionsOption = PluginOption<Int>(
        "bosh-max-sessions", default: 1024, range: 1...100_000, help: "BOSH sessions open at once.")
    static let httpSecureLoopbackOption = PluginOption<Bool>(
        "http-secure-loopback", default: true,
        help: "Treat a clear WebSocket from loopback to loopback as secure (a local user or a TLS proxy on this host).")
    static let httpChatPageOption = PluginOption<Bool>(
        "http-chat-page", default: true, help: "Serve the browser chat page at /chat on the HTTP listener.")
    static let httpChatPageDirOption = PluginOption<String>(
        "http-chat-page-dir", default: "",
        help: "Folder with index.html, chat.css and chat.js served at /chat instead of the built-in page.")
    static let certificateOption = PluginOption<String>(
        "tls-certificate", default: "", help: "PEM certificate chain; empty: a self-signed one in storage/tls/.")
    static let keyOption = PluginOption<String>("tls-key", default: "", help: "PEM private key of tls-certificate.")
    static let requireTLSOption = PluginOption<Bool>(
        "require-tls", default: true, help: "Require STARTTLS before authentication (RFC 6120 §5.3.1).")
    static let plainOption = PluginOption<Bool>(
        "allow-plain-without-tls", default: false,
        help: "Offer PLAIN and registration without TLS (testing and benchmarks only).")
    static let registrationOption = PluginOption<Bool>(
        "registration", default: true, help: "Allow in-band registration (XEP-0077) over TLS.")
    static let maxStanzaOption = PluginOption<Int>(
        "max-stanza", default: 262_144, range: 1024...16_777_216, help: "Largest stanza in bytes (policy-violation above).")
    static let idleTimeoutOption = PluginOption<Double>(
        "idle-timeout", default: 600, range: 5...86_400, help: "Seconds of client silence before connection-timeout.")
    static let keepaliveOption = PluginOption<Double>(
        "keepalive", default: 60, range: 1...3600, help: "Seconds of server silence before a whitespace keepalive.")
    static let negotiationTimeoutOption = PluginOption<Double>(
        "negotiation-timeout", default: 30, range: 1...3600, help: "Seconds from connect to a bound resource.")
    static let authDelayOption = PluginOption<Double>(
        "auth-failure-delay", default: 1, range: 0...30, help: "Seconds before answering a failed authentication.")
    static let offlineLimitOption = PluginOption<Int>(
        "offline-limit", default: 100, range: 0...100_000, help: "Messages stored per offline user.")
    static let pepOption = PluginOption<Bool>(
        "pep", default: true, help: "Personal eventing (XEP-0163: avatars, nicknames, bookmarks, OMEMO keys) on every account.")
    static let archiveOption = PluginOption<Bool>(
        "archive", default: true,
        help: "Archive every account's one-to-one messages in <storage>/user-archive (XEP-0313).")
    static let archiveMaxMessagesOption = PluginOption<Int>(
        "archive-max-messages", default: 10_000, range: 1...10_000_000,
        help: "Most messages archived per account; older ones are deleted.")
    static let archiveMaxDaysOption = PluginOption<Int>(
        "archive-max-days", default: 0, range: 0...36_500,
        help: "Days a message stays in an account's archive; 0 keeps it until the count limit.")
    static let resumeTimeoutOption = PluginOption<Int>(
        "resume-timeout", default: 300, range: 0...86_400,
        help: "Seconds a session whose client vanished waits for a XEP-0198 resumption; 0: acknowledgements only.")
    static let maxUnackedOption = PluginOption<Int>(
        "resume-max-stanzas", default: 1_000, range: 1...100_000,
        help: "Most stanzas kept for a session waiting for a resumption; past it the session ends.")
    static let vcardMaxBytesOption = PluginOption<Int>(
        "vcard-max-bytes", default: 131_072, range: 1024...16_777_216,
        help: "Largest vCard (XEP-0054) and largest private XML element (XEP-0049) kept, in bytes.")
    static let directTLSPortOption = PluginOption<Int>(
        "direct-tls-port", default: -1, range: -1...65535,
        help: "Port where TLS starts with the first byte (XEP-0368; 5223 is usual); -1: none, 0: a free one.")
    static let externalServicesOption = PluginOption<String>(
        "external-services", default: "",
        help: "STUN/TURN services announced (XEP-0215), comma-separated type:host:port[:udp|tcp]; empty: none.")
    static let turnSecretOption = PluginOption<String>(
        "turn-secret", default: "", help: "Secret shared with the TURN server (coturn use-auth-secret) for time-limited credentials.")
    static let turnLifetimeOption = PluginOption<Int>(
        "turn-credential-lifetime", default: 86_400, range: 60...2_592_000, help: "Seconds TURN credentials stay valid.")
    static let uploadOption = PluginOption<Bool>(
        "upload", default: true, help: "HTTP file upload (XEP-0363) at /upload on the HTTP listeners, files in <storage>/uploads.")
    static let uploadMaxFileOption = PluginOption<Int>(
        "upload-max-file-size", default: 10 << 20, range: 1024...(1 << 31), help: "Largest file uploaded, in bytes.")
    static let uploadQuotaOption = PluginOption<Int>(
        "upload-quota", default: 100 << 20, range: 1024...(1 << 40), help: "Bytes of uploaded files one account keeps at once.")
    static let uploadExpiryOption = PluginOption<Int>(
        "upload-expiry-days", default: 7, range: 1...3650, help: "Days an uploaded file is kept.")
    static let roomsDomainOption = PluginOption<String>(
        "rooms-domain", default: "", help: "Domain of room JIDs (XEP-0045); empty: conference.<domain>.")

    static let sendQueueOption = PluginOption<Int>(
        "max-send-queue", default: SendQueueLimit.defaultBytes, range: 65_536...1_073_741_824,
        help: "Bytes waiting for a client that does not read before it is disconnected.")
    public static let options: [any AnyPluginOption] = [
        hostOption, portOption, httpHostOption, httpPortOption, httpsPortOption, httpPublicURLOption, httpTLSOption, httpOriginsOption,
        boshMaxWaitOption, boshInactivityOption, boshMaxSessionsOption,
        certificateOption, keyOption, requireTLSOption, plainOption, registrationOption,
        maxStanzaOption, idleTimeoutOption, keepaliveOption, negotiationTimeoutOption, authDelayOption, offlineLimitOption,
        roomsDomainOption, sendQueueOption, pepOption, archiveOption, archiveMaxMessagesOption, archiveMaxDaysOption,
        resumeTimeoutOption, maxUnackedOption, vcardMaxBytesOption, directTLSPortOption, externalServicesOption,
        turnSecretOption, turnLifetimeOption, uploadOption, uploadMaxFileOption, uploadQuotaOption, uploadExpiryOption,
        httpSecureLoopbackOption, httpChatPageOption, httpChatPageDirOption,
    ]

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        var settings = C2SSettings()
        settings.host = options.value(hostOption)
        settings.port = options.value(portOption)
        let httpHost = options.value(httpHostOption)
        settings.httpHost = httpHost.isEmpty ? settings.host : httpHost
        settings.httpPort = options.value(httpPortOption)
        settings.httpsPort = options.value(httpsPortOption)
        let publicURL = options.value(httpPublicURLOption)
        if !publicURL.isEmpty {
            guard let base = HostMeta.publicBase(publicURL) else {
                throw OptionError(
                    key: httpPublicURLOption.name,
                    message: "'\(publicURL)' is not an http:// or https:// URL of a host and an optional path")
            }
            settings.httpPublicURL = base
        }
        settings.httpTLS = options.value(httpTLSOption)
        settings.httpAllowedOrigins = WebSocketUpgradePolicy.origins(option: options.value(httpOriginsOption))
        settings.boshMaxWait = options.value(boshMaxWaitOption)
        settings.boshInactivity = options.value(boshInactivityOption)
        settings.boshMaxSessions = options.value(boshMaxSessionsOption)
        settings.httpSecureLoopback = options.value(httpSecureLoopbackOption)
        settings.httpChatPage = options.value(httpChatPageOption)
        let chatPageDirectory = options.value(httpChatPageDirOption)
        settings.httpChatPageDirectory = chatPageDirectory.isEmpty ? nil : chatPageDirectory
        let certificate = options.value(certificateOption)
        let key = options.value(keyOption)
        settings.certificatePath = certificate.isEmpty ? nil : certificate
        settings.keyPath = key.isEmpty ? nil : key
        settings.requireTLS = options.value(requireTLSOption)
        settings.allowPlainWithoutTLS = options.value(plainOption)
        settings.registration = options.value(registrationOption)
        settings.maxStanzaBytes = options.value(maxStanzaOption)
        settings.idleTimeout = options.value(idleTimeoutOption)
        settings.keepaliveInterval = options.value(keepaliveOption)
        settings.negotiationTimeout = options.value(negotiationTimeoutOption)
        settings.authFailureDelay = options.value(authDelayOption)
        settings.offlineLimit = options.value(offlineLimitOption)
        settings.pep = options.value(pepOption)
        settings.vcardMaxBytes = options.value(vcardMaxBytesOption)
        settings.directTLSPort = options.value(directTLSPortOption)
        settings.upload = options.value(uploadOption)
        settings.uploadMaxFileBytes = options.value(uploadMaxFileOption)
        settings.uploadQuotaBytes = options.value(uploadQuotaOption)
        settings.uploadExpiryDays = options.value(uploadExpiryOption)
        for text in options.value(externalServicesOption).split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !text.isEmpty {
            guard let service = ExternalService(configured: text) else {
                throw OptionError(key: externalServicesOption.name, message: "'\(text)' is not type:host:port[:udp|tcp] (type stun, stuns, turn or turns)")
            }
            settings.externalServices.append(service)
        }
        let turnSecret = options.value(turnSecretOption)
        settings.turnSecret = turnSecret.isEmpty ? nil : turnSecret
        settings.turnCredentialLifetime = Double(options.value(turnLifetimeOption))
        settings.resumeTimeout = options.value(resumeTimeoutOption)
        settings.maxUnacknowledged = options.value(maxUnackedOption)
        settings.archive = options.value(archiveOption)
        settings.archiveMaxMessages = options.value(archiveMaxMessagesOption)
        let archiveDays = options.value(archiveMaxDaysOption)
        settings.archiveMaxAge = archiveDays == 0 ? nil : TimeInterval(archiveDays) * 86_400
        settings.sendQueue = SendQueueLimit(bytes: options.value(sendQueueOption))
        let roomsDomain = options.value(roomsDomainOption)
        if !roomsDomain.isEmpty {
            guard let jid = JID(roomsDomain), jid.localpart == nil, jid.resource == nil else {
                throw OptionError(key: roomsDomainOption.name, message: "'\(roomsDomain)' is not a domain")
            }
            settings.roomsDomain = jid.domain
        }
        var logger = context.logger
        logger[metadataKey: "plugin"] = "xmpp-c2s"
        let tls: ReloadableTLSContext
        do {
            tls = try ReloadableTLSContext(
                certificatePath: settings.certificatePath, keyPath: settings.keyPath,
                storageDirectory: context.storageDirectory, domain: context.chat.domain, logger: logger)
        } catch {
            throw OptionError(key: certificateOption.name, message: "\(error)")
        }
        let endpoints: [(port: Int, tls: HTTPTLS?)]
        do {
            endpoints = try settings.httpEndpoints(storageDirectory: context.storageDirectory, domain: context.chat.domain, logger: logger)
        } catch {
            throw OptionError(key: httpPortOption.name, message: "\(error)")
        }
        // XEP-0363 needs a web listener for its PUTs and GETs.
        var uploads: HTTPUploads?
        if settings.upload, !endpoints.isEmpty {
            let policy = HTTPUploads.Policy(
                maximumFileBytes: settings.uploadMaxFileBytes, quotaBytes: settings.uploadQuotaBytes,
                lifetime: TimeInterval(settings.uploadExpiryDays) * 86_400)
            uploads = try HTTPUploads(directory: "\(context.storageDirectory)/uploads", policy: policy, logger: logger)
            uploads?.expire()
        }
        let shared = try C2SShared(
            settings: settings, chat: context.chat, portal: context.portal, tls: tls,
            storageDirectory: context.storageDirectory, logger: logger, extraFeatures: uploads.map { [UploadFeature(uploads: $0)] } ?? [],
            memory: context.memory)
        do {
            let chatPage = try settings.httpChatPage ? settings.httpChatPageDirectory.map(ChatPageFiles.init(directory:)) ?? .builtIn : nil
            for (port, tls) in endpoints {
                let listener = context.http.listener(host: settings.httpHost, port: port)
                if let uploads {
                    try UploadRoute.mount(
                        on: listener, uploads: uploads, tls: tls, publicBase: settings.httpPublicURL, domain: context.chat.domain,
                        logger: logger)
                }
                try C2SWebSocketRoute.mount(on: listener, shared: shared, tls: tls)
                try C2SBOSHRoute.mount(on: listener, shared: shared, tls: tls)
                if let chatPage {
                    try ChatPageRoute.mount(
                        on: listener, files: chatPage, tls: tls, domain: context.chat.domain, roomsDomain: shared.roomsDomain,
                        logger: logger)
                }
            }
        } catch {
            throw OptionError(key: httpPortOption.name, message: "\(error)")
        }
        return C2SService(shared: shared, eventLoopGroup: context.eventLoopGroup)
    }
}
