import CLDAP
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deadline on a connection's set-up (TCP, TLS, StartTLS). COMPAT: Debian's libldap is
/// built with GnuTLS, and its non-blocking TLS handshake spins forever, ignoring
/// LDAP_OPT_NETWORK_TIMEOUT, when the server accepts the TCP connection but never
/// answers (`ldapsearch -o nettimeout=1 -H ldaps://…` hangs the same way). libldap tells
/// us the socket through a connection callback (LDAP_OPT_CONNECT_CB); when the deadline
/// passes, the socket is shut down (not closed, so the descriptor cannot be reused under
/// libldap), and the handshake fails at once.
final class LDAPSocketWatch: Sendable {
    private struct State {
        var socket: Int32 = -1
        var armed = 0
        var fired = false
    }

    private let state = Mutex(State())

    /// The callback record libldap keeps a pointer to; freed by `release()` after unbind.
    nonisolated(unsafe) let callbacks: UnsafeMutablePointer<ldap_conncb>

    init() {
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: ldap_conncb(lc_add: socketAdded, lc_del: socketRemoved, lc_arg: nil))
        callbacks.pointee.lc_arg = Unmanaged.passRetained(self).toOpaque()
    }

    /// Frees the callback record; call once libldap no longer uses it (after unbind).
    func release() {
        if let arg = callbacks.pointee.lc_arg { Unmanaged<LDAPSocketWatch>.fromOpaque(arg).release() }
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    fileprivate func attach(_ socket: Int32) { state.withLock { $0.socket = socket } }

    fileprivate func detach() { state.withLock { $0.socket = -1 } }

    /// Runs `body`; if it has not returned after `seconds`, shuts the socket down. Returns
    /// whether that happened along with `body`'s result.
    func guarding<T>(seconds: Double, _ body: () -> T) -> (T, timedOut: Bool) {
        let ticket = state.withLock { state -> Int in
            state.armed += 1
            state.fired = false
            return state.armed
        }
        let milliseconds = Int(max(0, seconds) * 1000) + 100
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { [weak self] in
            self?.fire(ticket)
        }
        let value = body()
        let fired = state.withLock { state -> Bool in
            state.armed += 1  // any later firing of this ticket does nothing
            return state.fired
        }
        return (value, fired)
    }

    private func fire(_ ticket: Int) {
        state.withLock { state in
            guard state.armed == ticket, state.socket >= 0 else { return }
            state.fired = true
            _ = shutdown(state.socket, Int32(SHUT_RDWR))
        }
    }
}

/// LDAP_OPT_CONNECT_CB: called when the TCP connection is up, before TLS.
private func socketAdded(
    _ ld: OpaquePointer?, _ sockbuf: OpaquePointer?, _ url: UnsafeMutablePointer<LDAPURLDesc>?,
    _ address: UnsafeMutablePointer<sockaddr>?, _ context: UnsafeMutablePointer<ldap_conncb>?
) -> Int32 {
    guard let arg = context?.pointee.lc_arg, let sockbuf else { return 0 }
    var socket: Int32 = -1
    if ber_sockbuf_ctrl(sockbuf, LBER_SB_OPT_GET_FD, &socket) == 1, socket >= 0 {
        Unmanaged<LDAPSocketWatch>.fromOpaque(arg).takeUnretainedValue().attach(socket)
    }
    return 0
}

/// Called before libldap closes the socket (and with no socket before freeing the handle).
private func socketRemoved(
    _ ld: OpaquePointer?, _ sockbuf: OpaquePointer?, _ context: UnsafeMutablePointer<ldap_conncb>?
) {
    guard let arg = context?.pointee.lc_arg else { return }
    Unmanaged<LDAPSocketWatch>.fromOpaque(arg).takeUnretainedValue().detach()
}
