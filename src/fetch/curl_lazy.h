/*
 * curl_lazy: libcurl is opened with dlopen() on first use (see
 * curl_lazy.c); feedmail does not link it, so commands that never fetch
 * do not map its dependencies. http.c calls the libcurl API as usual.
 */
#ifndef FEEDMAIL_CURL_LAZY_H
#define FEEDMAIL_CURL_LAZY_H

#include "lib/err.h"

/*
 * Opens libcurl.so.4 and resolves every function feedmail uses, once;
 * later calls return the first answer. 0, or -1 with e set (EX_UNAVAILABLE:
 * the library or one of its functions is missing, the message names the
 * library and the Debian package). e may be NULL: the error is then
 * logged instead, once per process.
 */
int curl_lazy_load(struct err *e);

#endif
