/* Context, status names, allocation-failure hook and the string builder. */
#include "harness.h"
#include "util/internal.h"
#include "util/strbuf.h"

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    T_EQ_STR(bo_errmsg(ctx), "");
    T_EQ_INT(bo_error(ctx, BO_ERR_SETTING, "bad %s=%d", "x", 3), BO_ERR_SETTING);
    T_EQ_STR(bo_errmsg(ctx), "bad x=3");
    bo_clear_error(ctx);
    T_EQ_STR(bo_errmsg(ctx), "");
    bo_set_log(ctx, "compiler said no");
    T_EQ_STR(bo_errlog(ctx), "compiler said no");
    bo_context_destroy(ctx);
    bo_context_destroy(NULL);

    T_EQ_STR(bo_status_name(BO_ERR_NOMEM), "BO_ERR_NOMEM");
    T_EQ_STR(bo_status_name(12345), "BO_UNKNOWN_STATUS");
    T_EQ_STR(bo_strerror(BO_OK), "success");

    /* A failed create leaves *out NULL. */
    bo_test_fail_alloc_after(0);
    ctx = (bo_context *)&ctx;
    T_EQ_INT(bo_context_create(&ctx), BO_ERR_NOMEM);
    T_CHECK(ctx == NULL);
    bo_test_fail_alloc_after(1);
    T_EQ_INT(bo_context_create(&ctx), BO_ERR_NOMEM);
    T_CHECK(ctx == NULL);
    bo_test_fail_alloc_after(-1);

    sb_buf b;
    sb_init(&b);
    sb_append(&b, "x=");
    sb_double(&b, 0.1);
    sb_append(&b, " y=");
    sb_double(&b, 3.0);
    sb_append(&b, " z=");
    sb_double(&b, 1e300);
    T_EQ_STR(sb_cstr(&b), "x=0.1 y=3.0 z=1e+300");
    char *s = sb_take(&b);
    T_EQ_STR(s, "x=0.1 y=3.0 z=1e+300");
    bo_free(s);

    /* Warnings accumulate one per line, a repeat is not added, clearing empties them. */
    bo_context *wc = NULL;
    T_EQ_INT(bo_context_create(&wc), BO_OK);
    T_EQ_STR(bo_warnings(wc), "");
    bo_warn(wc, "rtol %g is below %g", 1e-9, 1e-6);
    bo_warn(wc, "second");
    bo_warn(wc, "rtol %g is below %g", 1e-9, 1e-6);
    T_EQ_STR(bo_warnings(wc), "rtol 1e-09 is below 1e-06\nsecond\n");
    bo_clear_error(wc);
    T_EQ_STR(bo_warnings(wc), "rtol 1e-09 is below 1e-06\nsecond\n");
    bo_clear_warnings(wc);
    T_EQ_STR(bo_warnings(wc), "");
    bo_warn(NULL, "dropped");
    T_EQ_STR(bo_warnings(NULL), "");
    bo_context_destroy(wc);

    T_EQ_INT(bo_edit_distance("sigmma", "sigma", 3), 1);
    T_EQ_INT(bo_edit_distance("kitten", "sitting", 5), 3);
    T_CHECK(bo_edit_distance("abcdef", "uvwxyz", 2) > 2);
    T_DONE();
}
