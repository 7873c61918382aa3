#!/usr/bin/python3
"""Waiting for a change under a folder, without polling (inotify).

    wait_change.py DIR [SECONDS] [--except FOLDER]...

watches DIR and every folder below it but the FOLDERs (a PostgreSQL
cluster's, whose server writes all the time: watched, it would wake every
wait at once), prints "ready" once it does, then
returns at the first change there (a file created, written, renamed or
removed) or after SECONDS (default 1). It is the waiting half of
tests/lib.sh's wait_for: the shell checks its condition once more after
"ready", so a change between its check and the watch is never missed.
SECONDS only bounds how late a condition that no file shows (a process
gone) is seen.

As a module, Watch(dir).wait(seconds, fds) does the same for Python
helpers, waking also when one of fds (a pidfd, say) is readable.
"""
import ctypes
import os
import select
import sys

# <sys/inotify.h>
IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |
        IN_MOVED_TO | IN_CREATE | IN_DELETE)

_libc = ctypes.CDLL(None, use_errno=True)


class Watch:
    """Every change under top from now on, until close()."""

    def __init__(self, top, skip=()):
        self.fd = _libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        skip = {os.path.normpath(p) for p in skip}
        for path, dirs, _files in os.walk(top):
            dirs[:] = [d for d in dirs
                       if os.path.normpath(os.path.join(path, d)) not in skip]
            # a folder removed meanwhile is no change to wait for
            _libc.inotify_add_watch(self.fd, os.fsencode(path), MASK)

    def wait(self, seconds, fds=()):
        """True when something changed (or one of fds is readable)
        within seconds; the events are consumed."""
        ready, _, _ = select.select([self.fd, *fds], [], [], seconds)
        if self.fd in ready:
            try:
                while os.read(self.fd, 65536):
                    pass
            except BlockingIOError:
                pass
        return bool(ready)

    def close(self):
        os.close(self.fd)


def main():
    args, skip = sys.argv[1:], []
    while len(args) >= 2 and args[-2] == "--except":
        skip.append(args[-1])
        args = args[:-2]
    if len(args) not in (1, 2):
        sys.exit("usage: wait_change.py DIR [SECONDS] [--except FOLDER]...")
    watch = Watch(args[0], skip)
    print("ready", flush=True)
    watch.wait(float(args[1]) if len(args) == 2 else 1.0)


if __name__ == "__main__":
    main()
