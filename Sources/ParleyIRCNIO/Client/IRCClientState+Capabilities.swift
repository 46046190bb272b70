import ParleyIRC

/// Where capability negotiation and SASL stand on one connection.
enum CapabilityPhase: Sendable, Equatable {
    /// No negotiation (none configured, or the server ignored `CAP LS`).
    case none
    /// `CAP LS 302` sent; collecting the (possibly multi-line) list.
    case listing
    /// `CAP REQ` sent; waiting for ACK or NAK.
    case requesting
    /// `AUTHENTICATE PLAIN` sent; waiting for `+`.
    case authenticating
    /// The PLAIN response was sent; waiting for 903/904….
    case awaitingSASLResult
    /// `CAP END` sent (or registration finished).
    case done
}

extension IRCClientState {
    /// IRCv3 capability negotiation (capability-negotiation 3.2): `CAP * LS [*] :caps`,
    /// ACK, NAK, NEW, DEL.
    mutating func receiveCapability(_ message: IRCMessage) -> [IRCClientAction] {
        guard message.parameters.count >= 3 else { return [.event(.other(message))] }
        let subcommand = message.parameters[1].uppercased()
        let list = message.parameters.last ?? ""
        switch subcommand {
        case "LS":
            for item in list.split(separator: " ") {
                let parts = item.split(separator: "=", maxSplits: 1)
                offeredCapabilities[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            // `CAP * LS * :…` announces more lines to come.
            let more = message.parameters.count >= 4 && message.parameters[2] == "*"
            guard !more, capabilityPhase == .listing else { return [] }
            return requestCapabilities()
        case "ACK":
            for item in list.split(separator: " ") {
                if item.hasPrefix("-") {
                    enabledCapabilities.remove(String(item.dropFirst()))
                } else {
                    enabledCapabilities.insert(String(item))
                }
            }
            updateBatchCollector()
            guard capabilityPhase == .requesting else { return [] }
            if enabledCapabilities.contains("sasl"), configuration.sasl != nil {
                capabilityPhase = .authenticating
                return [.sendNow(IRCMessage(command: "AUTHENTICATE", parameters: ["PLAIN"]))]
            }
            return endNegotiation()
        case "NAK":
            // The whole request is refused; go on with what we have.
            guard capabilityPhase == .requesting else { return [] }
            return endNegotiation()
        case "NEW":
            for item in list.split(separator: " ") {
                let parts = item.split(separator: "=", maxSplits: 1)
                offeredCapabilities[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            let wanted = list.split(separator: " ").map { String($0.split(separator: "=")[0]) }
                .filter { configuration.capabilities.contains($0) && !enabledCapabilities.contains($0) && $0 != "sasl" }
            guard !wanted.isEmpty else { return [] }
            return [.send(IRCMessage(command: "CAP", parameters: ["REQ", wanted.sorted().joined(separator: " ")]))]
        case "DEL":
            for item in list.split(separator: " ") {
                offeredCapabilities[String(item)] = nil
                enabledCapabilities.remove(String(item))
            }
            updateBatchCollector()
            return []
        default:
            return [.event(.other(message))]
        }
    }

    /// `CAP REQ` for the wanted capabilities the server offers, or `CAP END` when none.
    mutating func requestCapabilities() -> [IRCClientAction] {
        var request = configuration.capabilities.filter { offeredCapabilities[$0] != nil }
        if configuration.sasl == nil {
            request.remove("sasl")
        } else if let mechanisms = offeredCapabilities["sasl"], !mechanisms.isEmpty,
            !mechanisms.split(separator: ",").contains("PLAIN")
        {
            // CAP 302 lists the mechanisms: no PLAIN, no point.
            request.remove("sasl")
        }
        guard !request.isEmpty else { return endNegotiation() }
        capabilityPhase = .requesting
        return [.sendNow(IRCMessage(command: "CAP", parameters: ["REQ", request.sorted().joined(separator: " ")]))]
    }

    mutating func endNegotiation() -> [IRCClientAction] {
        capabilityPhase = .done
        return [.event(.capabilitiesEnabled(enabledCapabilities))] + batchCapabilities()
            + [.sendNow(IRCMessage(command: "CAP", parameters: ["END"]))]
    }

    /// `AUTHENTICATE +` from the server: send the PLAIN response in 400-byte chunks.
    mutating func receiveAuthenticate(_ message: IRCMessage) -> [IRCClientAction] {
        guard capabilityPhase == .authenticating, message.parameters.first == "+", let sasl = configuration.sasl else {
            return [.event(.other(message))]
        }
        capabilityPhase = .awaitingSASLResult
        return IRCSASLPlain.chunks(account: sasl.account, password: sasl.password).map {
            .sendNow(IRCMessage(command: "AUTHENTICATE", parameters: [$0]))
        }
    }

    /// 900 RPL_LOGGEDIN, 903 RPL_SASLSUCCESS, 904–908 failures (IRCv3 sasl-3.1).
    mutating func receiveSASLNumeric(_ message: IRCMessage) -> [IRCClientAction] {
        switch message.command {
        case IRCNumeric.loggedIn:
            // `900 nick nick!user@host account :You are now logged in as account`
            if message.parameters.count >= 3 { account = message.parameters[2] }
            return []
        case IRCNumeric.saslSuccess, IRCNumeric.saslAlready:
            guard capabilityPhase == .awaitingSASLResult || capabilityPhase == .authenticating else { return [] }
            let name = account ?? configuration.sasl?.account ?? ""
            account = name
            return [.event(.authenticated(account: name))] + endNegotiation()
        case IRCNumeric.saslMechanisms:
            return []  // 908 precedes a 904.
        default:
            guard capabilityPhase == .awaitingSASLResult || capabilityPhase == .authenticating else {
                return [.event(.other(message))]
            }
            let reason = message.parameters.last ?? message.command
            if configuration.sasl?.required == true {
                nextRetry = .longest
                capabilityPhase = .done
                return [
                    .event(.authenticationFailed(reason: reason)),
                    .sendNow(IRCMessage(command: "QUIT", parameters: ["SASL authentication failed"])), .close,
                ]
            }
            return [.event(.authenticationFailed(reason: reason))] + endNegotiation()
        }
    }
}
