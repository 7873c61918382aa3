/*
 * view: the HTML part of a digest as it was sent, read back from the
 * message the outbox keeps (what mail/mime.c wrote: multipart/alternative,
 * each part quoted-printable; base64 and identity parts are read too), for
 * the "view in a browser" page. The message is ours but read as untrusted
 * bytes: anything malformed is "no HTML part", never a crash.
 */
#ifndef FEEDMAIL_VIEW_H
#define FEEDMAIL_VIEW_H

#include <stddef.h>

#include "lib/buf.h"

/* Appends the decoded text/html part of the message msg (len bytes) to
 * out. 0, or -1 when there is none (or it passes out's cap). */
int view_html(const char *msg, size_t len, struct buf *out);

#endif
