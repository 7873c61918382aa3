/*
 * bench/serve/mktokens.c: the one-click paths of many subscribers at once,
 * for the one-click benchmark only (bench.py), so that every request wrk
 * sends can unsubscribe someone new without mailing each of them a digest
 * first. It makes them with feedmail's own src/lib/token.c, as send does:
 *
 *   cc -O2 -I WORK -I SRC -o mktokens mktokens.c SRC/lib/token.c \
 *       SRC/lib/hash.c -lcrypto
 *   mktokens SECRET-HEX < "ID BIND" lines > "/u/TOKEN" lines
 *
 * (WORK holds an empty config.h for token.c.) SECRET-HEX is the store's
 * token secret (secrets.value, in hex); each input line is a subscriber's
 * id and their own random token (subscribers.token). bench.py checks the
 * paths against serve: its first run must unsubscribe one subscriber per
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token.h"

int
main(int argc, char **argv)
{
	unsigned char secret[256];
	size_t len = 0;
	char line[512], bind[200], out[TOKEN_SIZE];
	long long id;
	struct token t = { TOKEN_UNSUBSCRIBE, 0, 0 };

	if (argc != 2 || strlen(argv[1]) % 2 ||
	    strlen(argv[1]) / 2 > sizeof(secret)) {
		fprintf(stderr, "usage: mktokens SECRET-HEX <ID-BIND-LINES\n");
		return 64;
	}
	for (const char *p = argv[1]; *p; p += 2) {
		unsigned v;

		if (sscanf(p, "%2x", &v) != 1) {
			fprintf(stderr, "mktokens: the secret is not hex\n");
			return 64;
		}
		secret[len++] = (unsigned char)v;
	}
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%lld %199s", &id, bind) != 2) {
			fprintf(stderr, "mktokens: bad line: %s", line);
			return 65;
		}
		t.id = id;
		if (token_make(secret, len, &t, bind, out) < 0) {
			fprintf(stderr, "mktokens: no token for %lld\n", id);
			return 65;
		}
		printf("/u/%s\n", out);
	}
	return ferror(stdout) || fflush(stdout) ? 74 : 0;
}
