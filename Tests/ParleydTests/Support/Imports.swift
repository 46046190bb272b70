/// The shared helpers for real peers (child processes, free ports, temporary folders,
/// slapd) are visible to every file of this target.
@_exported import PeerTestSupport
