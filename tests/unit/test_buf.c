#include "config.h"
#include <check.h>
#include <stdlib.h>
#include "buf.h"
START_TEST(t_basic) { struct buf b = BUF_INIT(10); ck_assert_int_eq(buf_adds(&b, "abc"), 0); ck_assert_str_eq(b.data, "abc"); buf_release(&b); }
END_TEST
int main(void) { Suite *s = suite_create("buf"); TCase *tc = tcase_create("core"); tcase_add_test(tc, t_basic); suite_add_tcase(s, tc); SRunner *sr = srunner_create(s); srunner_run_all(sr, CK_NORMAL); int nf = srunner_ntests_failed(sr); srunner_free(sr); return nf ? EXIT_FAILURE : EXIT_SUCCESS; }
