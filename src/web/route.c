#include "config.h"

#include "web/route.h"

#include <string.h>

static int
style_handle(struct request *r, struct reply *rep)
{
	(void)r;
	rep->content_type = "text/css; charset=utf-8";
	rep->cache = "public, max-age=86400";
	return buf_adds(&rep->body, page_style_css);
}

static const struct route routes[] = {
	{ "/style.css", 0, REQUEST_GET | REQUEST_HEAD, "GET, HEAD", 0,
	  "/style.css", style_handle },
	/* RFC 8058: the one-click POST, and a GET page with a button */
	{ "/u/", 1, REQUEST_GET | REQUEST_HEAD | REQUEST_POST,
	  "GET, HEAD, POST", 0, "/u/…", unsubscribe_handle },
	/* the subscribe form, at the top and by name */
	{ "/", 0, REQUEST_GET | REQUEST_HEAD | REQUEST_POST, "GET, HEAD, POST",
	  1, "/", subscribe_handle },
	{ "/subscribe", 0, REQUEST_GET | REQUEST_HEAD | REQUEST_POST,
	  "GET, HEAD, POST", 1, "/subscribe", subscribe_handle },
	/* a GET shows a button; only its POST confirms */
	{ "/c/", 1, REQUEST_GET | REQUEST_HEAD | REQUEST_POST,
	  "GET, HEAD, POST", 1, "/c/…", confirm_handle },
	{ "/p/", 1, REQUEST_GET | REQUEST_HEAD | REQUEST_POST,
	  "GET, HEAD, POST", 1, "/p/…", preferences_handle },
	/* a digest as sent: read only */
	{ "/v/", 1, REQUEST_GET | REQUEST_HEAD, "GET, HEAD", 0, "/v/…",
	  view_handle },
};

const struct route *
route_find(const char *path, const char **tail)
{
	size_t i, n;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (routes[i].prefix) {
			/* one segment: a token has no '/' */
			if (!strncmp(path, routes[i].path, n) && path[n] &&
			    !strchr(path + n, '/')) {
				*tail = path + n;
				return &routes[i];
			}
		} else if (!strcmp(path, routes[i].path)) {
			*tail = path + n;
			return &routes[i];
		}
	}
	return NULL;
}
