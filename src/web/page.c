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
	[PT_SUB_TITLE] = { "Subscribe to the digest", "S’abonner à la veille" },
	[PT_SUB_INTRO] = { "Receive by e-mail, when you choose, the "
			   "new articles of the topics you follow.",
			   "Recevez par courriel, quand vous le "
			   "choisissez, les nouveaux articles des "
			   "thèmes que vous suivez." },
	[PT_F_EMAIL] = { "E-mail address", "Adresse électronique" },
	[PT_F_NAME] = { "Name (optional)", "Nom (facultatif)" },
	[PT_F_LANG] = { "Language", "Langue" },
	[PT_F_SCHEDULE] = { "When", "Quand" },
	[PT_SCHED_DAILY] = { "Every day, at the time below",
			     "Chaque jour, à l’heure ci-dessous" },
	[PT_SCHED_WEEKLY] = { "Once a week, on the day and at the time "
			      "below",
			      "Une fois par semaine, au jour et à "
			      "l’heure ci-dessous" },
	[PT_SCHED_HOURLY] = { "Every hour", "Toutes les heures" },
	[PT_F_TIME] = { "Time", "Heure" },
	[PT_F_DAY] = { "Day (weekly)", "Jour (hebdomadaire)" },
	[PT_F_TIMEZONE] = { "Time zone", "Fuseau horaire" },
	[PT_F_TAGS] = { "Topics to follow (none ticked: all)",
			"Thèmes suivis (aucun coché : tous)" },
	[PT_F_INCLUDE] = { "Only articles with one of these words "
			   "(separated by commas; optional)",
			   "Seulement les articles contenant l’un "
			   "de ces mots (séparés par des virgules ; "
			   "facultatif)" },
	[PT_F_EXCLUDE] = { "No article with any of these words "
			   "(optional)",
			   "Aucun article contenant l’un de ces "
			   "mots (facultatif)" },
	[PT_CONSENT] = { "By subscribing, you agree to receive "
			 "these digests at this address, and to "
			 "our keeping your address, your choices, "
			 "and when and from which network address "
			 "you confirm, until you unsubscribe. "
			 "Every digest links to a page where you "
			 "can change your choices or unsubscribe.",
			 "En vous abonnant, vous acceptez de "
			 "recevoir ces lettres à cette adresse, "
			 "et que nous conservions votre adresse, "
			 "vos choix, ainsi que la date et "
			 "l’adresse réseau de votre confirmation, "
			 "jusqu’à votre désabonnement. Chaque "
			 "lettre renvoie à une page où modifier "
			 "vos choix ou vous désabonner." },
	[PT_SUB_BUTTON] = { "Subscribe", "M’abonner" },
	[PT_SUB_SENT_TITLE] = { "Check your mailbox",
				"Consultez votre messagerie" },
	[PT_SUB_SENT] = { "If this address can be subscribed, a "
			  "message has been sent to it with a link "
			  "to confirm. Nothing else is sent to it "
			  "until you confirm.",
			  "Si cette adresse peut être abonnée, un "
			  "message lui a été envoyé avec un lien "
			  "de confirmation. Rien d’autre ne lui "
			  "est envoyé avant votre confirmation." },
	[PT_ERRORS] = { "Please correct the fields marked below.",
			"Veuillez corriger les champs signalés "
			"ci-dessous." },
	[PT_E_EMAIL] = { "This is not a valid e-mail address.",
			 "Cette adresse électronique n’est pas "
			 "valide." },
	[PT_E_NAME] = { "The name is too long, or holds "
			"characters that cannot be used.",
			"Le nom est trop long, ou contient des "
			"caractères inutilisables." },
	[PT_E_LANG] = { "Choose French or English.",
			"Choisissez le français ou l’anglais." },
	[PT_E_SCHEDULE] = { "Choose when to receive the digest.",
			    "Choisissez quand recevoir la lettre." },
	[PT_E_TIME] = { "Give a time as HH:MM, such as 07:30.",
			"Indiquez une heure au format HH:MM, par "
			"exemple 07:30." },
	[PT_E_DAY] = { "Choose a day of the week.",
		       "Choisissez un jour de la semaine." },
	[PT_E_TIMEZONE] = { "Unknown time zone: give a name such as "
			    "Europe/Paris.",
			    "Fuseau horaire inconnu : indiquez un "
			    "nom comme Europe/Paris." },
	[PT_E_WORDS] = { "Too many words, or words too long (at "
			 "most 20 of 64 characters).",
			 "Trop de mots, ou des mots trop longs "
			 "(20 au plus, de 64 caractères)." },
	[PT_LIMIT_TITLE] = { "Too many requests", "Trop de demandes" },
	[PT_LIMIT_BODY] = { "Too many subscriptions came from your "
			    "network address lately. Please try "
			    "again in a few minutes.",
			    "Trop d’abonnements sont venus récemment "
			    "de votre adresse réseau. Réessayez dans "
			    "quelques minutes." },
	[PT_CONF_TITLE] = { "Confirm your subscription",
			    "Confirmez votre abonnement" },
	[PT_CONF_ASK] = { "Press the button to start receiving the "
			  "digests at this address:",
			  "Appuyez sur le bouton pour commencer à "
			  "recevoir les lettres à cette adresse :" },
	[PT_CONF_BUTTON] = { "Confirm", "Je confirme" },
	[PT_CONF_DONE_TITLE] = { "Subscription confirmed",
				 "Abonnement confirmé" },
	[PT_CONF_DONE] = { "Your first digest comes at the next "
			   "time you chose. Every digest links to "
			   "your preferences.",
			   "Votre première lettre arrivera au "
			   "prochain horaire choisi. Chaque lettre "
			   "renvoie à vos préférences." },
	[PT_CONF_ALREADY_TITLE] = { "Already confirmed", "Déjà confirmé" },
	[PT_CONF_ALREADY] = { "This subscription was confirmed "
			      "already: there is nothing more to do.",
			      "Cet abonnement est déjà confirmé : il "
			      "n’y a rien de plus à faire." },
	[PT_PREF_TITLE] = { "Your preferences", "Vos préférences" },
	[PT_PREF_FOR] = { "The digests sent to:", "Les lettres envoyées à :" },
	[PT_PREF_BUTTON] = { "Save", "Enregistrer" },
	[PT_PREF_SAVED] = { "Saved: your next digest follows these "
			    "choices.",
			    "Enregistré : votre prochaine lettre "
			    "suivra ces choix." },
	[PT_PAUSE_TITLE] = { "Pause", "Pause" },
	[PT_PAUSED_UNTIL] = { "Your digests are paused until:",
			      "Vos lettres sont suspendues jusqu’au :" },
	[PT_PAUSED_FOREVER] = { "Your digests are paused until you "
				"resume them.",
				"Vos lettres sont suspendues jusqu’à ce "
				"que vous les repreniez." },
	[PT_NOT_PAUSED] = { "Stop the digests for a while: until a "
			    "date, or until you resume them.",
			    "Suspendez les lettres un temps : "
			    "jusqu’à une date, ou jusqu’à ce que "
			    "vous les repreniez." },
	[PT_F_UNTIL] = { "Until (YYYY-MM-DD; empty: until you "
			 "resume)",
			 "Jusqu’au (AAAA-MM-JJ ; vide : jusqu’à "
			 "la reprise)" },
	[PT_PAUSE_BUTTON] = { "Pause", "Suspendre" },
	[PT_RESUME_BUTTON] = { "Resume", "Reprendre" },
	[PT_E_UNTIL] = { "Give a date to come, as YYYY-MM-DD, or "
			 "none.",
			 "Indiquez une date à venir, au format "
			 "AAAA-MM-JJ, ou aucune." },
	[PT_PAUSE_DONE] = { "Paused: no digest is sent until then.",
			    "Suspendu : aucune lettre n’est envoyée "
			    "d’ici là." },
	[PT_RESUME_DONE] = { "Resumed: your next digest comes at the "
			     "time you chose.",
			     "Repris : votre prochaine lettre "
			     "arrivera à l’horaire choisi." },
	[PT_UNSUB_SECTION] = { "Stop receiving the digests, at once.",
			       "Ne plus recevoir les lettres, dès "
			       "maintenant." },
	[PT_VIEW_GONE_TITLE] = { "Digest no longer kept",
				 "Lettre plus conservée" },
	[PT_VIEW_GONE] = { "This digest is no longer kept here. "
			   "Your more recent digests are.",
			   "Cette lettre n’est plus conservée ici. "
			   "Vos lettres plus récentes le sont." },
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
	/* a tag's box beside its name, not a full-width line above it */
	"label.check{font-weight:400}\n"
	"input[type=checkbox]{width:auto;margin:0 .5rem 0 0;padding:0}\n"
	"button{font:inherit;padding:.75rem 1.25rem;border:0;"
	"border-radius:.375rem;background:#1f5fbf;color:#fff;"
	"cursor:pointer;min-height:44px}\n"
	"button:focus{outline:3px solid #f2b705}\n"
	".error{color:#a00000}\n"
	"@media (max-width:30rem){main{margin:0;padding:1rem}"
	"button{width:100%}}\n";
