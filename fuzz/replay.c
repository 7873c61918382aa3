#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Replays a corpus through a libFuzzer target without libFuzzer: every file
 * named on the command line, and every regular file in every directory named
 * (not recursively), goes once through LLVMFuzzerTestOneInput(). Built in
 * `make check` so the corpus and the crash fixtures are run with any
 * compiler; under --enable-sanitizers it catches what the fuzzer caught.
 * Exits 0 when all inputs ran, 1 when a file could not be read, 2 on usage.
 */

#define REPLAY_MAX_INPUT (16u * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, size_t *count)
{
	FILE *fp = NULL;
	uint8_t *data = NULL;
	struct stat st;
	size_t len;
	int ret = -1;

	fp = fopen(path, "rb");
	if (fp == NULL || fstat(fileno(fp), &st) < 0) {
		fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: '%s': larger than %u bytes\n", path,
			REPLAY_MAX_INPUT);
		goto out;
	}
	/* At least one byte, so an empty file still gets a real pointer. */
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		fprintf(stderr, "replay: '%s': out of memory\n", path);
		goto out;
	}
	len = fread(data, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		fprintf(stderr, "replay: '%s': read error\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(data, len);
	(*count)++;
	ret = 0;
out:
	free(data);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

static int
replay_dir(const char *dir, size_t *count)
{
	DIR *d;
	struct dirent *ent;
	char path[4096];
	struct stat st;
	int ret = 0;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	while ((ent = readdir(d)) != NULL) {
		int n;

		if (ent->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "replay: '%s/%s': path too long\n", dir,
				ent->d_name);
			ret = -1;
			continue;
		}
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path, count) < 0)
			ret = -1;
	}
	closedir(d);
	return ret;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	struct stat st;
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				ret = 1;
		} else if (replay_file(argv[i], &count) < 0) {
			ret = 1;
		}
	}
	printf("replay: %zu inputs\n", count);
	return ret;
}
