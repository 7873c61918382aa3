/*
 * str: string copies for structs that own their fields, ASCII classes,
 * the distance between two words for "did you mean", and plurals.
 */
#ifndef FEEDMAIL_STR_H
#define FEEDMAIL_STR_H

#include <stddef.h>

/* A malloc'd copy of s, or NULL for NULL; when memory runs out, NULL with
 * *oom set, so a struct's fields can be copied in a row and checked once. */
char *str_dup(const char *s, int *oom);

/* 1 if c is an ASCII letter (or digit), whatever the locale: the syntax
 * of addresses and URLs is ASCII. */
int str_is_alpha(int c);
int str_is_digit(int c);

/* Words longer than this are far from every other word. */
#define STR_DISTANCE_MAX_LEN 32

enum str_case { STR_CASE_SENSITIVE, STR_CASE_IGNORE };

/* The Levenshtein distance between a and b (insertions, deletions and
 * substitutions of one byte each), ASCII letters compared without case
 * under STR_CASE_IGNORE; SIZE_MAX when either word is longer than
 * STR_DISTANCE_MAX_LEN bytes. */
size_t str_edit_distance(const char *a, const char *b, enum str_case how);

/* one when n is 1, else many: "1 feed", "2 feeds", "0 feeds" (English
 * messages; the digests' languages have their own). */
const char *str_plural(size_t n, const char *one, const char *many);

#endif
