import Foundation

/// Debian's InspIRCd 3 on loopback (plain and TLS ports) with the IRCv3 modules loaded.
/// It refuses to run as root, hence `--runasroot` (PEERS.md). `m_sasl` is not loaded: it
/// needs a services server to forward AUTHENTICATE to, and refuses to start without one.
final class InspIRCdServer: @unchecked Sendable {
    let directory: TemporaryDirectory
    let port: Int
    let tlsPort: Int
    let certificate: String
    let daemon: IRCDaemon

    init() throws {
        directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        port = Int(try freePort())
        tlsPort = Int(try freePort())
        let files = try IRCDaemon.makeCertificate(in: directory.path)
        certificate = files.certificate
        let dir = directory.path
        try "Parley test\n".write(toFile: dir + "/motd", atomically: true, encoding: .utf8)
        let modules = [
            "cap", "ircv3", "ircv3_servertime", "ircv3_echomessage", "ircv3_invitenotify", "ircv3_batch",
            "ircv3_ctctags", "ircv3_msgid", "namesx", "uhnames", "ssl_gnutls",
        ].map { "<module name=\"\($0)\">" }.joined(separator: "\n")
        // Loopback binds only; no DNS or ident lookups; no fake lag, so tests are quick.
        try """
            <server name="irc.test" description="Parley interop test" network="ParleyTest">
            <admin name="Test" nick="test" email="test@example.invalid">
            <bind address="127.0.0.1" port="\(port)" type="clients">
            <bind address="127.0.0.1" port="\(tlsPort)" type="clients" sslprofile="test">
            \(modules)
            <sslprofile name="test" provider="gnutls" certfile="\(files.certificate)" keyfile="\(files.key)" dhfile="" requestclientcert="no">
            <connect name="main" allow="*" timeout="60" pingfreq="120" sendq="262144" recvq="8192" localmax="1000" globalmax="1000" maxconnwarn="off" useident="no" resolvehostnames="no" limit="5000" commandrate="100000" fakelag="off">
            <pid file="\(dir)/inspircd.pid">
            <files motd="\(dir)/motd">
            <log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="\(dir)/inspircd-file.log">
            <options defaultmodes="nt">
            <limits maxnick="30" maxchan="64" maxmodes="20" maxident="10" maxhost="64" maxquit="255" maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
            <dns timeout="1">
            """.write(toFile: dir + "/inspircd.conf", atomically: true, encoding: .utf8)
        daemon = IRCDaemon(
            executable: "/usr/sbin/inspircd",
            arguments: ["--runasroot", "--nofork", "--nopid", "--config", dir + "/inspircd.conf"],
            logPath: dir + "/inspircd.log", ports: [port, tlsPort])
        try daemon.start()
    }

    func restart() throws { try daemon.restart() }
    func stop() { daemon.stop() }
    deinit { daemon.stop() }
}
