/*
 * curl_lazy: libcurl loaded on first use, not at start-up.
 *
 * Debian's libcurl maps about 6.5 MiB of shared libraries (krb5, LDAP,
 * SSH, RTMP, nghttp2, psl, idn2...) into every process that links it,
 * which is most of the peak RSS of commands that never touch the network
 * (`feedmail parse FILE`, `list`, `digest`...). So feedmail does not link
 * -lcurl: this file defines the curl_* functions http.c calls, with the
 * prototypes of <curl/curl.h>, and each forwards to libcurl.so.4, opened
 * with dlopen() by the first of them that runs (in practice
 * curl_global_init() from http_new()). http.c is written against the plain
 * libcurl API and does not know.
 *
 * If the library cannot be opened or lacks a function, the error (naming
 * libcurl.so.4 and the Debian package) is logged once, curl_global_init()
 * fails, so http_new() fails, and every other function returns its
 * failure value: nothing crashes. A function http.c starts calling must be
 * added to CURL_FUNCS (the link fails until it is).
 *
 * Not thread-safe on first use, as curl_global_init() itself is not.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The definitions below are the functions themselves, not calls. */
#define CURL_DISABLE_TYPECHECK
/* Newer headers made curl_url_get's handle const: its declaration is
 * kept out of the way and the function declared here, as the ABI has it
 * whatever the version. */
#define curl_url_get curl_lazy_url_get_unused
#include <curl/curl.h>
#undef curl_url_get
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part,
	unsigned int flags);

#include "fetch/curl_lazy.h"
#include "lib/err.h"
#include "lib/log.h"

#define CURL_SONAME "libcurl.so.4"
#define CURL_PACKAGE "libcurl4"

/*
 * X(return type, name, (parameters), (arguments), value when unloaded),
 * and V(name, (parameters), (arguments)) for those returning nothing.
 */
#define CURL_FUNCS(X, V) \
	X(CURLcode, curl_global_init, (long flags), (flags), \
	  CURLE_FAILED_INIT) \
	V(curl_global_cleanup, (void), ()) \
	X(CURL *, curl_easy_init, (void), (), NULL) \
	V(curl_easy_cleanup, (CURL *curl), (curl)) \
	X(const char *, curl_easy_strerror, (CURLcode code), (code), \
	  "libcurl not loaded") \
	V(curl_free, (void *p), (p)) \
	X(struct curl_slist *, curl_slist_append, \
	  (struct curl_slist *list, const char *s), (list, s), NULL) \
	V(curl_slist_free_all, (struct curl_slist *list), (list)) \
	X(CURLM *, curl_multi_init, (void), (), NULL) \
	X(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *curl), \
	  (m, curl), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *curl), \
	  (m, curl), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_cleanup, (CURLM *m), (m), \
	  CURLM_INTERNAL_ERROR) \
	X(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), \
	  (m, left), NULL) \
	X(CURLMcode, curl_multi_perform, (CURLM *m, int *running), \
	  (m, running), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd \
	  extra_fds[], unsigned int extra_nfds, int timeout_ms, int *ret), \
	  (m, extra_fds, extra_nfds, timeout_ms, ret), CURLM_INTERNAL_ERROR) \
	X(const char *, curl_multi_strerror, (CURLMcode code), (code), \
	  "libcurl not loaded") \
	X(CURLU *, curl_url, (void), (), NULL) \
	V(curl_url_cleanup, (CURLU *u), (u)) \
	X(CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, \
	  char **part, unsigned int flags), (u, what, part, flags), \
	  CURLUE_OUT_OF_MEMORY) \
	X(CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, \
	  const char *part, unsigned int flags), (u, what, part, flags), \
	  CURLUE_OUT_OF_MEMORY)

/* The variadic ones, forwarded by hand below. */
#define CURL_VARIADIC(X) \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...)) \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...)) \
	X(CURLMcode, curl_multi_setopt, (CURLM *, CURLMoption, ...))

/* One pointer per function, named after it. */
#define PTR_X(type, name, params, args, fail) static type (*p_##name) params;
#define PTR_V(name, params, args) static void (*p_##name) params;
#define PTR_VA(type, name, params) static type (*p_##name) params;
CURL_FUNCS(PTR_X, PTR_V)
CURL_VARIADIC(PTR_VA)

/* Where each goes: dlsym() gives a void *, copied into the pointer
 * (POSIX: the same size and representation). */
#define SYM_X(type, name, params, args, fail) { #name, &p_##name },
#define SYM_V(name, params, args) { #name, &p_##name },
#define SYM_VA(type, name, params) { #name, &p_##name },
static const struct {
	const char *name;
	void *slot;
} syms[] = {
	CURL_FUNCS(SYM_X, SYM_V)
	CURL_VARIADIC(SYM_VA)
};

static int state;                 /* 0 not tried, 1 loaded, -1 failed */
static struct err load_err;
static int logged;

int
curl_lazy_load(struct err *e)
{
	void *lib;
	size_t i;

	if (state == 0) {
		state = -1;
		lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (!lib) {
			err_set(&load_err, EX_UNAVAILABLE,
				"cannot load %s (%s): install the Debian "
				"package %s", CURL_SONAME, dlerror(),
				CURL_PACKAGE);
			goto out;
		}
		for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
			void *f = dlsym(lib, syms[i].name);

			if (!f) {
				err_set(&load_err, EX_UNAVAILABLE,
					"%s has no %s: install the Debian "
					"package %s (libcurl >= 7.85)",
					CURL_SONAME, syms[i].name,
					CURL_PACKAGE);
				/* the handle stays open: harmless, and
				 * libraries it loaded may not unload */
				goto out;
			}
			memcpy(syms[i].slot, &f, sizeof(f));
		}
		state = 1;
	}
out:
	/* a caller with e reports it; a stub has no one to tell but the
	 * log, once */
	if (state < 0 && e)
		err_set(e, load_err.code, "%s", load_err.msg);
	else if (state < 0 && !logged) {
		logged = 1;
		log_error("%s", load_err.msg);
	}
	return state > 0 ? 0 : -1;
}

/* The plain forwarders. */
#define DEF_X(type, name, params, args, fail) \
	type name params \
	{ \
		if (curl_lazy_load(NULL) < 0) \
			return fail; \
		return p_##name args; \
	}
#define DEF_V(name, params, args) \
	void name params \
	{ \
		if (curl_lazy_load(NULL) == 0) \
			p_##name args; \
	}
CURL_FUNCS(DEF_X, DEF_V)

/*
 * The variadic ones take exactly one more argument, whose type the
 * option's number says (curl.h: CURLOPTTYPE_* ranges for easy and multi
 * options; CURLINFO_TYPEMASK for getinfo, where every type is a pointer
 * to the result).
 */
CURLcode
(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	if (curl_lazy_load(NULL) < 0)
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = p_curl_easy_setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = p_curl_easy_setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = p_curl_easy_setopt(curl, option,
			va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		rc = p_curl_easy_setopt(curl, option,
			va_arg(ap, curl_off_t));
	else
		rc = p_curl_easy_setopt(curl, option,
			va_arg(ap, struct curl_blob *));
	va_end(ap);
	return rc;
}

CURLMcode
(curl_multi_setopt)(CURLM *m, CURLMoption option, ...)
{
	va_list ap;
	CURLMcode rc;

	if (curl_lazy_load(NULL) < 0)
		return CURLM_INTERNAL_ERROR;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = p_curl_multi_setopt(m, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = p_curl_multi_setopt(m, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = p_curl_multi_setopt(m, option,
			va_arg(ap, void (*)(void)));
	else
		rc = p_curl_multi_setopt(m, option, va_arg(ap, curl_off_t));
	va_end(ap);
	return rc;
}

CURLcode
(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	void *out;

	if (curl_lazy_load(NULL) < 0)
		return CURLE_FAILED_INIT;
	/* CURLINFO_STRING, LONG, DOUBLE, SLIST/PTR, SOCKET, OFF_T
	 * (info & CURLINFO_TYPEMASK): each passes a pointer */
	va_start(ap, info);
	out = va_arg(ap, void *);
	va_end(ap);
	return p_curl_easy_getinfo(curl, info, out);
}
