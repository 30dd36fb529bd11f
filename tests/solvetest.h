/* Test utility for the end-to-end numerics tests: build a CPU solver from settings written
 * as "key=value" words and solve a batch through the public API, so that each test states
 * its configuration in one string. Header-only (static functions); include from one test
 * source. */
#ifndef BO_TEST_SOLVETEST_H
#define BO_TEST_SOLVETEST_H

#include <stdio.h>
#include <string.h>

#include "batchode.h"

/* Build a solver from "key=value" words separated by spaces and solve the batch; NULL (with
 * the library's message printed) when any step fails. */
static inline bo_results *solve(bo_context *ctx, const bo_model *m, const bo_batch *b,
                                const char *conf)
{
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_results *r = NULL;
    char buf[1024];
    int rc = bo_settings_create(ctx, &s);
    if (rc == BO_OK)
        rc = bo_settings_set(s, "backend", "cpu");
    snprintf(buf, sizeof buf, "%s", conf);
    for (char *tok = strtok(buf, " "); tok && rc == BO_OK; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            rc = BO_ERR_INVALID_ARG;
            break;
        }
        *eq = '\0';
        rc = bo_settings_set(s, tok, eq + 1);
    }
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc != BO_OK)
        printf("solve(%s): %s: %s\n", conf, bo_status_name(rc), bo_errmsg(ctx));
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    return r;
}

#endif
