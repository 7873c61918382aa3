/*
 * bench/send/nodelay.c: an LD_PRELOAD shim for the delivery benchmark only.
 * It sets TCP_NODELAY on every TCP socket its process connects, to show
 * what Nagle's algorithm (with the server's delayed ACK) costs feedmail's
 * SMTP sessions through libesmtp, which writes a message in 2 KiB pieces
 * and does not set the option (feedmail sets it itself since b2de13b).
 * Not part of feedmail, nor run by bench/send/run.sh any more; build it
 *   cc -O2 -shared -fPIC -o nodelay.so nodelay.c -ldl
 * and pass "-- --nodelay nodelay.so" to run.sh for its rows.
 * It stands alone (no config.h), hence _GNU_SOURCE here for RTLD_NEXT.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real_connect)(int, const struct sockaddr *, socklen_t);
	int type = 0, one = 1, rc, saved;
	socklen_t tlen = sizeof(type);

	if (!real_connect) {
		*(void **)&real_connect = dlsym(RTLD_NEXT, "connect");
		if (!real_connect) {
			errno = ENOSYS;
			return -1;
		}
	}
	rc = real_connect(fd, sa, len);
	saved = errno;
	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 &&
	    type == SOCK_STREAM)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
	errno = saved;
	return rc;
}
