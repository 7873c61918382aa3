#include "config.h"

#include "web/page.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const texts[PT_COUNT][2] = {
	[PT_NOT_FOUND_TITLE] = { "Page not found", "Page introuvable" },
	[PT_NOT_FOUND_BODY] = { "There is nothing at this address. A link "
				"from an old mail may have stopped working.",
				"Il n’y a rien à cette adresse. Un lien "
				"d’un ancien courriel peut avoir cessé de "
				"fonctionner." },
	[PT_METHOD_TITLE] = { "Method not allowed", "Méthode non permise" },
	[PT_TOO_LARGE_TITLE] = { "Request too large", "Requête trop grande" },
	[PT_TOO_LARGE_BODY] = { "What was sent is larger than this site "
				"accepts.",
				"Ce qui a été envoyé dépasse ce que ce site "
				"accepte." },
	[PT_BAD_REQUEST_TITLE] = { "Bad request", "Requête incorrecte" },
	[PT_BAD_REQUEST_BODY] = { "The form sent is not the one this page "
				  "expects.",
				  "Le formulaire envoyé n’est pas celui "
				  "qu’attend cette page." },
	[PT_FORBIDDEN_TITLE] = { "Form refused", "Formulaire refusé" },
	[PT_FORBIDDEN_BODY] = { "This form was sent from another site, or "
				"it is too old. Open the page again and send "
				"it from there.",
				"Ce formulaire vient d’un autre site, ou il "
				"est trop ancien. Ouvrez la page à nouveau et "
				"envoyez-le de là." },
	[PT_ERROR_TITLE] = { "Temporary failure", "Erreur temporaire" },
	[PT_ERROR_BODY] = { "Something failed on our side. Please try again "
			    "in a moment.",
			    "Une erreur est survenue de notre côté. "
			    "Réessayez dans un instant." },
	[PT_UNSUB_TITLE] = { "Unsubscribe", "Se désabonner" },
	[PT_UNSUB_ASK] = { "Press the button to stop receiving these "
			   "digests.",
			   "Appuyez sur le bouton pour ne plus recevoir ces "
			   "lettres." },
	[PT_UNSUB_BUTTON] = { "Unsubscribe", "Me désabonner" },
	[PT_UNSUB_DONE_TITLE] = { "Unsubscribed", "Désabonnement confirmé" },
	[PT_UNSUB_DONE] = { "You will receive no more digests at this "
			    "address.",
			    "Vous ne recevrez plus de lettres à cette "
			    "adresse." },
};

const char *
page_text(enum page_lang lang, enum page_text t)
{
	if ((int)t < 0 || t >= PT_COUNT)
		return "";
	return texts[t][lang == PAGE_FR];
}

const char *
page_lang_code(enum page_lang lang)
{
	return lang == PAGE_FR ? "fr" : "en";
}

int
page_lang_parse(const char *code, enum page_lang *lang)
{
	if (!code)
		return -1;
	/* a primary subtag alone or followed by '-' (RFC 5646) */
	if (!strncasecmp(code, "fr", 2) && (!code[2] || code[2] == '-')) {
		*lang = PAGE_FR;
		return 0;
	}
	if (!strncasecmp(code, "en", 2) && (!code[2] || code[2] == '-')) {
		*lang = PAGE_EN;
		return 0;
	}
	return -1;
}

/* The q-value of one Accept-Language item's parameters p (up to end):
 * 1000 for none, 0..1000 for q=0.5 and the like, -1 when it is not one. */
static int
qvalue(const char *p, const char *end)
{
	int q = 0, scale = 100;

	while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
		p++;
	if (p >= end)
		return 1000;
	if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return -1;
	p += 2;
	if (*p == '1') {
		return 1000;
	} else if (*p != '0') {
		return -1;
	}
	p++;
	if (p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p) && scale;
		     p++, scale /= 10)
			q += (*p - '0') * scale;
	return q;
}

enum page_lang
page_lang_pick(const char *sub_lang, const char *accept,
	       enum page_lang fallback)
{
	enum page_lang lang, best = fallback;
	int best_q = 0, q;
	const char *p, *item_end, *semi;
	char tag[16];
	size_t n;

	if (page_lang_parse(sub_lang, &lang) == 0)
		return lang;
	if (!accept)
		return fallback;
	for (p = accept; *p; p = *item_end ? item_end + 1 : item_end) {
		item_end = strchr(p, ',');
		if (!item_end)
			item_end = p + strlen(p);
		while (p < item_end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(item_end - p));
		if (!semi)
			semi = item_end;
		n = (size_t)(semi - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!n || n >= sizeof(tag))
			continue;
		memcpy(tag, p, n);
		tag[n] = '\0';
		if (page_lang_parse(tag, &lang) < 0)
			continue;
		q = qvalue(semi, item_end);
		/* strictly better only: the first listed wins a tie */
		if (q > best_q) {
			best_q = q;
			best = lang;
		}
	}
	return best;
}

int
page_escape(struct buf *b, const char *s)
{
	const char *rep;
	size_t run;

	if (!s)
		return 0;
	while (*s) {
		run = strcspn(s, "&<>\"'");
		if (run && buf_add(b, s, run) < 0)
			return -1;
		s += run;
		if (!*s)
			break;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		default:
			rep = "&#39;";
			break;
		}
		if (buf_adds(b, rep) < 0)
			return -1;
		s++;
	}
	return 0;
}

int
page_begin(struct buf *b, enum page_lang lang, const char *title)
{
	return buf_addf(b,
			"<!DOCTYPE html>\n"
			"<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" "
			"content=\"width=device-width, initial-scale=1\">\n"
			"<meta name=\"robots\" content=\"noindex\">\n"
			"<title>%s</title>\n"
			"<link rel=\"stylesheet\" href=\"/style.css\">\n"
			"</head>\n<body>\n<main>\n<h1>%s</h1>\n",
			page_lang_code(lang), title, title);
}

int
page_end(struct buf *b)
{
	return buf_adds(b, "</main>\n</body>\n</html>\n");
}

int
page_simple(struct buf *b, enum page_lang lang, enum page_text title,
	    enum page_text text)
{
	if (page_begin(b, lang, page_text(lang, title)) < 0 ||
	    buf_addf(b, "<p>%s</p>\n", page_text(lang, text)) < 0)
		return -1;
	return page_end(b);
}

const char page_style_css[] =
	"html{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"sans-serif;line-height:1.5;color:#1a1a1a;background:#f6f6f4}\n"
	"body{margin:0;padding:1rem}\n"
	"main{max-width:36rem;margin:2rem auto;padding:1.5rem;"
	"background:#fff;border-radius:.5rem;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12)}\n"
	"h1{font-size:1.4rem;margin-top:0}\n"
	"form{margin:1.5rem 0 0}\n"
	"label{display:block;margin:.75rem 0 .25rem;font-weight:600}\n"
	"input,select{font:inherit;padding:.5rem;width:100%;"
	"box-sizing:border-box}\n"
	"button{font:inherit;padding:.75rem 1.25rem;border:0;"
	"border-radius:.375rem;background:#1f5fbf;color:#fff;"
	"cursor:pointer;min-height:44px}\n"
	"button:focus{outline:3px solid #f2b705}\n"
	".error{color:#a00000}\n"
	"@media (max-width:30rem){main{margin:0;padding:1rem}"
	"button{width:100%}}\n";
