/*
 * str: string copies for structs that own their fields.
 */
#ifndef FEEDMAIL_STR_H
#define FEEDMAIL_STR_H

/* A malloc'd copy of s, or NULL for NULL; when memory runs out, NULL with
 * *oom set, so a struct's fields can be copied in a row and checked once. */
char *str_dup(const char *s, int *oom);

#endif
