#include "config.h"

#include "web/site.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "store/store.h"
#include "web/guard.h"
#include "web/server.h"

struct web_site *
web_site_new(const struct conf *cfg, struct store *store, struct err *e)
{
	struct web_site *site;
	size_t n;

	if (!cfg->web_base_url) {
		err_set(e, EX_CONFIG,
			"[web] base_url is not set: serve needs the address "
			"the links in mails point to");
		return NULL;
	}
	site = calloc(1, sizeof(*site));
	if (!site || !(site->base_url = strdup(cfg->web_base_url))) {
		free(site);
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	n = strlen(site->base_url);
	while (n && site->base_url[n - 1] == '/')
		site->base_url[--n] = '\0';
	if (guard_origin(site->base_url, site->origin, sizeof(site->origin)) <
		    0 ||
	    netspec_parse_list(cfg->web_trusted_proxies, site->trusted,
			       &site->ntrusted, e) < 0) {
		if (!e->code)
			err_set(e, EX_CONFIG, "[web] base_url: no origin");
		goto fail;
	}
	site->lang = cfg->language && !strcmp(cfg->language, "fr") ? PAGE_FR :
								     PAGE_EN;
	if (store_secret(store, "token", site->secret, sizeof(site->secret),
			 &site->secret_len, e) < 0)
		goto fail;
	return site;
fail:
	web_site_free(site);
	return NULL;
}
