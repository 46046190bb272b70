#ifndef PARLEY_CLDAP_SHIM_H
#define PARLEY_CLDAP_SHIM_H
// OpenLDAP client library (Debian libldap2-dev). Used by the `ldap:` auth kind.
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>
#endif
