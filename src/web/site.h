/*
 * site: struct web_site (request.h) made from the configuration and the
 * store: what serve reads again on SIGHUP.
 */
#ifndef FEEDMAIL_SITE_H
#define FEEDMAIL_SITE_H

#include "lib/conf.h"
#include "lib/err.h"
#include "web/request.h"

struct store;

/* A new site from cfg ([web] base_url, which must be set;
 * trusted_proxies; [digest] language) and store's "token" secret. Free it
 * with web_site_free (server.h). NULL with e: EX_CONFIG when base_url is
 * missing, else what the store says. */
struct web_site *web_site_new(const struct conf *cfg, struct store *store,
			      struct err *e);

#endif
