#!/bin/sh
# feedmail digest against golden text and HTML, in English and in French,
# for the feeds in tests/fixtures/digest-golden and a fixed clock. After a
# deliberate change to the digest, regenerate the goldens with
# FEEDMAIL_UPDATE_GOLDEN=1 and review the diff.
. "$TEST_SRCDIR/tests/lib.sh"

GOLDEN=$FIXTURES/digest-golden

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = stdout
from = Veille <veille@cluster.example>
name = Cluster Numérique
max_entries = 6
summary_words = 25
CONF
at 2026-11-26T04:00:00Z -q subscriber add en@example.org --lang en \
	--timezone Europe/London &&
at 2026-11-26T04:00:00Z -q subscriber add fr@example.org --lang fr &&
at 2026-11-26T04:00:00Z -q add "$GOLDEN/startups.xml" --tag startups &&
at 2026-11-26T04:00:00Z -q add "$GOLDEN/ai.xml" --tag "intelligence artificielle" &&
at 2026-11-26T04:00:00Z -q add "$GOLDEN/club.xml" &&
at 2026-11-26T05:00:00Z -q fetch || exit 1

# golden_check NAME: the file NAME, just written, is the golden NAME.
golden_check() {
	if [ -n "${FEEDMAIL_UPDATE_GOLDEN:-}" ]; then
		cp "$1" "$GOLDEN/$1"
	fi
	diff -u "$GOLDEN/$1" "$1"
}

for lang in en fr; do
	for format in txt html; do
		test_expect_success "$lang digest as $format matches its golden" "
			at 2026-11-26T06:00:00Z -q digest --to $lang@example.org \
				--format \$(test $format = txt && echo text || echo html) \
				>$lang.$format &&
			golden_check $lang.$format
		"
	done
done

test_expect_success 'the HTML part is well-formed and keeps no active content' '
	"$PYTHON3" - en.html fr.html <<-PY
	import sys, xml.dom.minidom
	for name in sys.argv[1:]:
	    text = open(name, encoding="utf-8").read()
	    xml.dom.minidom.parseString(text.split("\\n", 1)[1])
	    for bad in ("<script", "<iframe", "<img", "onclick", "javascript:",
	                "tracker.example", "video.example"):
	        assert bad not in text.lower(), (name, bad)
	PY
'

test_expect_success 'relative links in article HTML are made absolute' '
	contains en.html "href=\"https://startups.example/investisseurs\""
'

test_expect_success 'the text part of the message never breaks a URL' '
	at 2026-11-26T06:00:00Z -q digest --to en@example.org --format eml >en.eml &&
	"$PYTHON3" - en.eml >en.text <<-PY &&
	import email, email.policy, sys
	msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
	                                     policy=email.policy.default)
	sys.stdout.write(msg.get_body(("plain",)).get_content())
	PY
	grep -q "^   \[[0-9]*\] https://ai.example/2026/11/26/small-models-big-savings-how-regional-companies-cut-their-inference-bills-by-half-without-losing-accuracy\$" en.text
'

test_done
