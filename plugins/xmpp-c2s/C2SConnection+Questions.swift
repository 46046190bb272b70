import NIOCore
import ParleyXML
import ParleyXMPP

/// A question the server put to its client (an IQ get from the server's JID) and what
/// to do with the answer: the result or error IQ, or nil when none came in time or the
/// client left.
struct ServerQuestion {
    let answer: @Sendable (XMLElement?) -> Void
    let timeout: Scheduled<Void>
}

extension C2SConnection {
    /// The most questions one client may leave unanswered at a time.
    static let maximumOpenQuestions = 4
    /// How long the server waits for an answer.
    static let questionTimeout = TimeAmount.seconds(30)

    /// Sends `child` to the client in an IQ get from the server (RFC 6120 §8.2.3); `answer`
    /// gets the reply on this connection's executor, or nil. False when too many are open
    /// or the stream is gone (nothing is sent then).
    @discardableResult
    func ask(_ child: XMLElement, answer: @escaping @Sendable (XMLElement?) -> Void) -> Bool {
        guard !isClosed, let session, questions.count < Self.maximumOpenQuestions else { return false }
        let id = "parley-\(UInt64.random(in: 0...UInt64.max))"
        let iq = XMLElement(
            name: "iq", namespace: XMPPNamespace.client,
            attributes: [
                XMLAttribute("type", value: "get"), XMLAttribute("id", value: id),
                XMLAttribute("from", value: domain), XMLAttribute("to", value: JID(session.id).description),
            ],
            children: [.element(child)])
        let timeout = transport.eventLoop.assumeIsolated().scheduleTask(in: Self.questionTimeout) { [weak self] in
            guard let self else { return }
            self.assumeIsolated { $0.answered(nil, id: id) }
        }
        questions[id] = ServerQuestion(answer: answer, timeout: timeout)
        write(iq)
        return true
    }

    /// A result or error IQ to the server: the answer to one of its questions, if it
    /// asked one with that id (anything else is dropped, RFC 6120 §8.2.3).
    func answered(_ iq: XMLElement?, id: String) {
        guard let question = questions.removeValue(forKey: id) else { return }
        question.timeout.cancel()
        question.answer(iq)
    }

    /// The client left: every open question gets nil.
    func abandonQuestions() {
        let open = questions
        questions = [:]
        for question in open.values {
            question.timeout.cancel()
            question.answer(nil)
        }
    }
}
