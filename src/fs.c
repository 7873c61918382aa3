#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

int
fs_mkdir_parents(const char *path, struct err *e)
{
	char *copy, *p;
	int rc = 0;

	copy = strdup(path);
	if (!copy)
		return err_set(e, EX_OSERR, "out of memory");
	for (p = copy + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			rc = err_set(e, EX_CANTCREAT, "create folder '%s': %s",
				     copy, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

int
fs_atomic_open(struct fs_atomic *a, const char *path, struct err *e)
{
	size_t len = strlen(path);
	int fd;

	memset(a, 0, sizeof(*a));
	a->path = strdup(path);
	a->tmp = malloc(len + sizeof(".tmp.XXXXXX"));
	if (!a->path || !a->tmp) {
		fs_atomic_abort(a);
		return err_set(e, EX_OSERR, "out of memory");
	}
	memcpy(a->tmp, path, len);
	memcpy(a->tmp + len, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		err_set(e, EX_CANTCREAT, "create '%s': %s", a->tmp,
			strerror(errno));
		free(a->tmp);
		a->tmp = NULL;
		fs_atomic_abort(a);
		return -1;
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		close(fd);
		fs_atomic_abort(a);
		return err_set(e, EX_OSERR, "fdopen: %s", strerror(errno));
	}
	return 0;
}

int
fs_atomic_commit(struct fs_atomic *a, struct err *e)
{
	int rc = 0;

	if (fflush(a->f) == EOF || ferror(a->f) || fsync(fileno(a->f)) < 0)
		rc = err_set(e, EX_IOERR, "write '%s': %s", a->tmp,
			     strerror(errno));
	else if (rename(a->tmp, a->path) < 0)
		rc = err_set(e, EX_CANTCREAT, "rename '%s' to '%s': %s",
			     a->tmp, a->path, strerror(errno));
	if (rc == 0) {
		free(a->tmp);
		a->tmp = NULL; /* renamed: nothing to remove */
	}
	fs_atomic_abort(a);
	return rc;
}

void
fs_atomic_abort(struct fs_atomic *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
}
