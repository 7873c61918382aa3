/*
 * stdout: the transport that writes each message as it is (CRLF), one
 * after another, to standard output (deliver.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "mail/transport_int.h"

static void
stdout_flush(struct deliver *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		struct deliver_item *it = &d->items[i];

		if (deliver_cancelled(d, it))
			continue;
		if (fwrite(it->m.data, 1, it->m.len, stdout) != it->m.len ||
		    fflush(stdout) == EOF) {
			deliver_fatal(d, deliver_io_code(errno),
				      "write to "
				      "standard output: %s",
				      strerror(errno));
			return;
		}
		deliver_set_all(it, DELIVER_OK, 0,
				"written to standard output");
		deliver_report(d, it);
	}
}

static int
stdout_close(struct deliver *d, struct err *e)
{
	(void)d;
	if (fflush(stdout) == EOF)
		return err_set(e, EX_IOERR, "write to standard output: %s",
			       strerror(errno));
	return 0;
}

const struct deliver_ops deliver_stdout_ops = { "stdout", NULL, stdout_flush,
						stdout_close };
