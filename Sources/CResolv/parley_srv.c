// SRV look-ups for server-to-server federation (RFC 6120 §3.2.1, RFC 2782) through the
// system resolver (glibc's libresolv): the answer section is parsed with ns_initparse and
// ns_parserr, and the target names uncompressed with dn_expand.
#include "parley_srv.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>
#include <string.h>

int parley_srv_lookup(const char *name, parley_srv_record *records, int capacity) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return -1;
    unsigned char answer[8192];
    int length = res_nquery(&state, name, ns_c_in, ns_t_srv, answer, sizeof answer);
    if (length < 0) {
        int error = state.res_h_errno;
        res_nclose(&state);
        return (error == HOST_NOT_FOUND || error == NO_DATA) ? 0 : -1;
    }
    res_nclose(&state);
    // A reply longer than the buffer (a truncated TCP answer) is read only as far as it goes.
    if (length > (int)sizeof answer) length = (int)sizeof answer;
    ns_msg message;
    if (ns_initparse(answer, length, &message) != 0) return -1;
    int count = ns_msg_count(message, ns_s_an);
    int written = 0;
    for (int index = 0; index < count && written < capacity; index++) {
        ns_rr record;
        // One record that does not parse is skipped; the others still count.
        if (ns_parserr(&message, ns_s_an, index, &record) != 0) continue;
        if (ns_rr_type(record) != ns_t_srv || ns_rr_rdlen(record) < 7) continue;
        const unsigned char *data = ns_rr_rdata(record);
        parley_srv_record *out = &records[written];
        out->priority = (unsigned short)((data[0] << 8) | data[1]);
        out->weight = (unsigned short)((data[2] << 8) | data[3]);
        out->port = (unsigned short)((data[4] << 8) | data[5]);
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, out->target, sizeof out->target) < 0) continue;
        written++;
    }
    return written;
}
