/*
 * Unit tests for src/lib/log: a line is "feedmail: WHAT\n" written at once,
 * so lines from several threads never interleave; a line past the cap is
 * cut with "...".
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "testutil.h"

static char dir[4096];

START_TEST(t_line)
{
	char path[4200], *text;
	int saved;

	testutil_fresh_path(path, sizeof(path), dir, "log");
	saved = testutil_redirect_fd(2, path);
	log_error("fetch '%s': HTTP %d", "https://x/feed.xml", 503);
	log_info("not shown at the default level");
	testutil_restore_fd(2, saved);
	text = testutil_read_file(path, NULL);
	ck_assert_str_eq(text, "feedmail: fetch 'https://x/feed.xml': HTTP "
			       "503\n");
	free(text);
}
END_TEST

START_TEST(t_cut)
{
	char path[4200], *text, *long_word;
	size_t len;
	int saved;

	long_word = malloc(5001);
	ck_assert_ptr_nonnull(long_word);
	memset(long_word, 'x', 5000);
	long_word[5000] = '\0';
	testutil_fresh_path(path, sizeof(path), dir, "log");
	saved = testutil_redirect_fd(2, path);
	log_error("%s", long_word);
	testutil_restore_fd(2, saved);
	text = testutil_read_file(path, &len);
	ck_assert_uint_eq(len, 4095);
	ck_assert_int_eq(strncmp(text, "feedmail: xxx", 13), 0);
	ck_assert_str_eq(text + len - 5, "x...\n");
	free(text);
	free(long_word);
}
END_TEST

#define THREADS 4
#define LINES 400

static void *
writer(void *arg)
{
	int k = (int)(intptr_t)arg, i;

	for (i = 0; i < LINES; i++)
		log_error("thread %d line %d %s", k, i,
			  "................................................"
			  "................................................");
	return NULL;
}

/* Every line whole: with stdio's several writes per line, the threads'
 * pieces would mix. */
START_TEST(t_threads)
{
	char path[4200], *text, *line, *save = NULL;
	pthread_t th[THREADS];
	int saved, k, i, n = 0;

	testutil_fresh_path(path, sizeof(path), dir, "log");
	saved = testutil_redirect_fd(2, path);
	for (k = 0; k < THREADS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, writer,
						(void *)(intptr_t)k),
				 0);
	for (k = 0; k < THREADS; k++)
		ck_assert_int_eq(pthread_join(th[k], NULL), 0);
	testutil_restore_fd(2, saved);
	text = testutil_read_file(path, NULL);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char dots[97];

		memset(dots, '.', 96);
		dots[96] = '\0';
		if (sscanf(line, "feedmail: thread %d line %d ", &k, &i) != 2 ||
		    !strstr(line, dots) || strlen(strstr(line, dots)) != 96)
			ck_abort_msg("a mixed line: %.200s", line);
		n++;
	}
	ck_assert_int_eq(n, THREADS * LINES);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;
	int rc;

	if (!testutil_tmpdir(dir, sizeof(dir), "log")) {
		perror(dir);
		return EXIT_FAILURE;
	}
	s = suite_create("log");
	tc = tcase_create("core");
	tcase_add_test(tc, t_line);
	tcase_add_test(tc, t_cut);
	tcase_add_test(tc, t_threads);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_remove_tree(dir);
	return rc;
}
