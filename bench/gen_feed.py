#!/usr/bin/python3
"""Generate test feeds for the feedmail benchmarks (stdlib only).

  gen_feed.py big DIR [--items N]
      DIR/big-rss.xml and DIR/big-atom.xml: one RSS 2.0 and one Atom 1.0
      document of N items each (default 20000, a little over 20 MB each).

  gen_feed.py many DIR [--feeds N] [--items N] [--every K] [--version V]
                       [--add A]
      DIR/fNNNN.xml: N feeds (default 1000) of --items items (default 20,
      about 45 KB a feed), even-numbered ones RSS 2.0, odd ones Atom 1.0.
      The feeds whose number is a multiple of K (default 10) are written at
      version V (default 0): A (default 3) items per version newer than
      version 0, the oldest ones dropping out so that a feed keeps its
      size. A file whose content would not change is not rewritten, so its
      mtime, and the ETag and Last-Modified nginx derives from it, stay.
      Prints the number of files written.

Everything is deterministic: the same arguments give the same bytes.
French text with accents, HTML descriptions with entities (named HTML
entities, numeric references, escaped markup and CDATA), categories,
authors, enclosures on some items.
"""

import argparse
import os
import random
import sys
from datetime import datetime, timedelta, timezone

WORDS = (
    "entreprise numérique réseau données sécurité développement logiciel "
    "région Bretagne Pays-de-la-Loire Nantes Rennes Brest Lorient Vannes "
    "innovation start-up financement levée millions d'euros investisseurs "
    "cybersécurité intelligence artificielle modèle éthique souveraineté "
    "hébergement nuage centre serveurs énergie sobriété écoconception "
    "télécommunications fibre déploiement opérateur très haut débit "
    "collectivité métropole conseil régional appel à projets lauréat "
    "ingénieur développeuse stagiaire alternance recrutement emploi "
    "université école laboratoire recherche thèse doctorant publication "
    "qualité fiabilité performance mémoire processeur système libre "
    "ouvert communauté contributeur événement conférence salon rencontre "
    "février août décembre été hiver début fin année trimestre croissance "
    "chiffre d'affaires bénéfice déficit marché clientèle export Québec "
    "être avoir faire présenter annoncer créer réaliser accélérer "
    "élaborer déménager améliorer générer récupérer sécuriser protéger "
    "le la les un une des du de à au aux et ou mais donc car avec pour "
    "dans sur sous entre vers chez selon malgré après avant pendant "
    "très plus moins aussi déjà encore toujours jamais bientôt ensuite "
    "premier première nouveau nouvelle grand grande petit petite "
    "régional régionale français française européen européenne "
    "économique économie industrie usine robotique maritime naval "
    "agroalimentaire santé hôpital télémédecine mobilité véhicule "
    "électrique batterie hydrogène éolien photovoltaïque réseau"
).split()

PEOPLE = (
    "Anaïs Le Gall", "Benoît Quéré", "Cécile Hervé", "Denis Pérès",
    "Élodie Morvan", "François Kerjean", "Gaëlle Tanguy", "Hélène Guého",
    "Jérôme Le Bihan", "Loïc Ménard", "Maëlle Riou", "Noël Caradec",
    "Océane Bréhier", "Pierre-Yves Léon", "Solène Thébault", "Yannick Éon",
)

CATEGORIES = (
    "Numérique", "Cybersécurité", "Économie", "Énergie", "Santé",
    "Télécoms", "Recherche", "Emploi", "Événements", "Industrie",
    "Mobilité", "Innovation", "Collectivités", "Formation",
)

# items k = 0, 1, ... are dated from here on (all in the past)
BASE_TIME = datetime(2025, 9, 1, 8, 0, 0, tzinfo=timezone.utc)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rfc822(t):
    return "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
        DAYS[t.weekday()], t.day, MONTHS[t.month - 1], t.year, t.hour,
        t.minute, t.second)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence(rng, lo=8, hi=20):
    w = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    w[0] = w[0][:1].upper() + w[0][1:]
    return " ".join(w) + rng.choice((".", ".", ".", " !", " ?", "…"))


def title(rng):
    w = [rng.choice(WORDS) for _ in range(rng.randint(5, 11))]
    w[0] = w[0][:1].upper() + w[0][1:]
    # plain-text title: characters that XML must escape, and an apostrophe
    # as a typographic quote
    return " ".join(w).replace("'", "\u2019") + rng.choice(
        ("", " & co", " : « bilan »", " — entretien", " (2/3)"))


# Named HTML entities (not XML ones), as found in real feed HTML.
HTML_ENTITIES = ("&eacute;", "&egrave;", "&agrave;", "&ccedil;", "&nbsp;",
                 "&laquo;", "&raquo;", "&hellip;", "&rsquo;", "&euro;",
                 "&#233;", "&#8217;", "&#x20AC;", "&amp;")


def html_paragraphs(rng, n, link):
    """HTML with entities and markup, as an article body."""
    out = []
    for i in range(n):
        s = sentence(rng, 12, 30)
        words = s.split(" ")
        k = rng.randrange(len(words))
        words[k] = "<strong>%s</strong>" % words[k]
        if i == 0:
            k = rng.randrange(len(words))
            words[k] = '<a href="%s">%s</a>' % (link, words[k])
        s = " ".join(words)
        s += " " + rng.choice(HTML_ENTITIES) + " " + sentence(rng, 6, 14)
        out.append("<p>%s</p>" % s)
    if rng.random() < 0.3:
        out.append('<p><img src="%s/image.jpg" alt="illustration '
                   '&laquo;%s&raquo;" width="640" height="360"/></p>'
                   % (link, rng.choice(WORDS)))
    if rng.random() < 0.3:
        out.append("<ul>%s</ul>" % "".join(
            "<li>%s</li>" % sentence(rng, 4, 9) for _ in range(3)))
    return "\n".join(out)


class Item:
    __slots__ = ("guid", "link", "title", "author", "cats", "date",
                 "summary", "content", "enclosure")


def make_item(site, feed_no, k, body_paras, with_content, step=7 * 60):
    """Item number k of a feed: only depends on (feed_no, k)."""
    rng = random.Random(feed_no * 1000003 + k)
    it = Item()
    it.link = "%s/%d/article-%d.html" % (site, 2026, k)
    it.guid = "%s/?p=%d" % (site, 100000 + k)
    it.title = title(rng)
    it.author = rng.choice(PEOPLE)
    it.cats = rng.sample(CATEGORIES, rng.randint(1, 3))
    it.date = BASE_TIME + timedelta(minutes=k * step + rng.randrange(step))
    it.summary = html_paragraphs(rng, 1, it.link)
    it.content = (html_paragraphs(rng, body_paras, it.link)
                  if with_content else None)
    it.enclosure = None
    if rng.random() < 0.15:
        it.enclosure = ("%s/media/podcast-%d.mp3" % (site, k),
                        rng.randrange(1000000, 90000000))
    return it


def rss(site, feed_title, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/'
           'modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
           '<title>%s</title>\n<link>%s/</link>\n'
           '<atom:link href="%s/feed/" rel="self" '
           'type="application/rss+xml"/>\n'
           '<description>L&#8217;actualité numérique de la région '
           '&amp; d&#8217;ailleurs</description>\n'
           '<language>fr-FR</language>\n<lastBuildDate>%s</lastBuildDate>\n'
           '<generator>gen_feed.py</generator>\n<ttl>60</ttl>\n'
           % (xml_escape(feed_title), site, site, rfc822(items[0].date))]
    for it in items:
        out.append("<item>\n<title>%s</title>\n<link>%s</link>\n"
                   "<dc:creator><![CDATA[%s]]></dc:creator>\n"
                   "<pubDate>%s</pubDate>\n"
                   % (xml_escape(it.title), it.link, it.author,
                      rfc822(it.date)))
        for c in it.cats:
            out.append("<category><![CDATA[%s]]></category>\n" % c)
        out.append('<guid isPermaLink="false">%s</guid>\n'
                   "<description>%s</description>\n"
                   % (it.guid, xml_escape(it.summary)))
        if it.content is not None:
            out.append("<content:encoded><![CDATA[%s]]></content:encoded>\n"
                       % it.content)
        if it.enclosure:
            out.append('<enclosure url="%s" length="%d" type="audio/mpeg"/>\n'
                       % it.enclosure)
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def atom(site, feed_title, items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">\n'
           '<title type="text">%s</title>\n'
           '<subtitle type="html">L&amp;#8217;actualité &lt;em&gt;numérique'
           '&lt;/em&gt; de la région</subtitle>\n'
           '<link rel="alternate" type="text/html" href="%s/"/>\n'
           '<link rel="self" type="application/atom+xml" '
           'href="%s/atom.xml"/>\n<id>%s/</id>\n<updated>%s</updated>\n'
           '<generator uri="https://example.org/">gen_feed.py</generator>\n'
           % (xml_escape(feed_title), site, site, site,
              rfc3339(items[0].date))]
    for it in items:
        out.append('<entry>\n<title type="html">%s</title>\n'
                   '<link rel="alternate" type="text/html" href="%s"/>\n'
                   "<id>tag:%s,2026:%s</id>\n"
                   "<published>%s</published>\n<updated>%s</updated>\n"
                   "<author><name>%s</name></author>\n"
                   % (xml_escape(xml_escape(it.title)), it.link,
                      site.split("/")[2], it.guid.rsplit("=", 1)[1],
                      rfc3339(it.date),
                      rfc3339(it.date + timedelta(minutes=30)),
                      xml_escape(it.author)))
        for c in it.cats:
            out.append('<category term="%s" label="%s"/>\n'
                       % (xml_escape(c), xml_escape(c)))
        out.append('<summary type="html">%s</summary>\n'
                   % xml_escape(it.summary))
        if it.content is not None:
            out.append('<content type="html">%s</content>\n'
                       % xml_escape(it.content))
        if it.enclosure:
            out.append('<link rel="enclosure" type="audio/mpeg" '
                       'href="%s" length="%d"/>\n' % it.enclosure)
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def write_if_changed(path, text):
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return True


def cmd_big(a):
    os.makedirs(a.dir, exist_ok=True)
    site = "https://actu.example.org"
    # newest first; every 4th item carries a full body as well
    items = [make_item(site, 0, k, 2, k % 4 == 0, 10)
             for k in range(a.items - 1, -1, -1)]
    for name, fn in (("big-rss.xml", rss), ("big-atom.xml", atom)):
        path = os.path.join(a.dir, name)
        write_if_changed(path, fn(site, "Actualités du numérique — "
                                  "grand fil", items))
        print("%s: %d items, %d bytes" % (path, a.items,
                                           os.path.getsize(path)))


def cmd_many(a):
    os.makedirs(a.dir, exist_ok=True)
    written = 0
    for i in range(a.feeds):
        v = a.version if a.every and i % a.every == 0 else 0
        first = v * a.add
        site = "https://site%04d.example.org" % i
        items = [make_item(site, i + 1, k, 3, True)
                 for k in range(first + a.items - 1, first - 1, -1)]
        fn = atom if i % 2 else rss
        text = fn(site, "Le fil n°%d & ses « brèves »" % i, items)
        if write_if_changed(os.path.join(a.dir, "f%04d.xml" % i), text):
            written += 1
    print(written)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("big")
    b.add_argument("dir")
    b.add_argument("--items", type=int, default=20000)
    m = sub.add_parser("many")
    m.add_argument("dir")
    m.add_argument("--feeds", type=int, default=1000)
    m.add_argument("--items", type=int, default=20)
    m.add_argument("--every", type=int, default=10)
    m.add_argument("--version", type=int, default=0)
    m.add_argument("--add", type=int, default=3)
    a = p.parse_args()
    if a.cmd == "big":
        cmd_big(a)
    else:
        cmd_many(a)


if __name__ == "__main__":
    sys.exit(main())
