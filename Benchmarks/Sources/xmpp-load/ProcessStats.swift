import LoadSupport

/// A snapshot of the server's and this generator's resource use.
struct Sample {
    var wallNanos: UInt64
    var serverTicks: Int?
    var serverRSSKiB: Int?
    var selfCPUMicros: Int

    static func take(serverPID: Int32?) -> Sample {
        Sample(
            wallNanos: ProcessStats.nowNanos(),
            serverTicks: serverPID.flatMap { ProcessStats.cpuTicks(pid: $0) },
            serverRSSKiB: serverPID.flatMap { ProcessStats.rssKiB(pid: $0) },
            selfCPUMicros: ProcessStats.selfCPUMicros())
    }
}
