import ArgumentParser

/// `ldap-login`: measures LDAP-backed PLAIN logins through Parley's portal, and the chat
/// traffic of other sessions while slow logins wait (docs/benchmarks-ldap.md).
@main
struct LDAPLogin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldap-login",
        abstract: "Benchmarks LDAP-backed logins (scripts/bench-ldap).",
        discussion: """
            `logins` builds the checker of an `--auth ldap:…` string through an auth-kind \
            registry, puts it behind a Portal and calls authenticate() from many tasks. \
            `traffic` measures MSG round trips between two `parleyd text-chat` sessions, alone or \
            during a storm of LOGINs. Each prints one JSON object on stdout and a line for people \
            on stderr, and exits non-zero when the run failed.
            """,
        subcommands: [Logins.self, Traffic.self],
        defaultSubcommand: Logins.self)
}
