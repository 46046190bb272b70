#ifndef PARLEY_SRV_H
#define PARLEY_SRV_H

/// One SRV record (RFC 2782): where a service of a domain is offered.
typedef struct {
    unsigned short priority;
    unsigned short weight;
    unsigned short port;
    char target[256];
} parley_srv_record;

/// Looks up the SRV records of `name` (for example `_xmpp-server._tcp.example.org`) with
/// the system resolver (res_nquery, thread-safe: a resolver state per call), and writes up
/// to `capacity` of them. Returns how many were written; 0 when the name has none
/// (NXDOMAIN or no data); -1 when the look-up failed (no answer, a server failure, a
/// malformed reply).
int parley_srv_lookup(const char *name, parley_srv_record *records, int capacity);

#endif
