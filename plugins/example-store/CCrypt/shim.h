// libxcrypt (Debian libcrypt-dev): crypt_r and crypt_checksalt.
#include <crypt.h>
