/* The summary metric table and the host side of summaries (see summaries.h): parsing of metric
 * names, sizes and column names, and the configuration emitted into the generated program. The
 * definitions below and in kernels/summaries.h are documented in docs/outputs.md. */
#include "summaries.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sub_extrema[] = {"max", "min", NULL};
static const char *const sub_peaks[] = {"t", "v", NULL};

const sm_metric sm_metrics[] = {
    {"mean", 0, 2, 0, NULL, "arithmetic mean of the window's samples"},
    {"rms", 0, 3, 0, NULL, "root mean square of the samples"},
    {"std", 0, 3, 0, NULL, "population standard deviation of the samples"},
    {"min", 0, 1, 0, NULL, "smallest sample"},
    {"max", 0, 1, 0, NULL, "largest sample"},
    {"extrema", 0, 2, 0, sub_extrema, "largest and smallest sample"},
    {"max_magnitude", 0, 1, 0, NULL, "largest absolute value of a sample"},
    {"peaks", 1, 1, 2, sub_peaks, "times and values of the first k strict local maxima"},
    {"negative_peaks", 1, 1, 2, sub_peaks, "times and values of the first k strict local minima"},
    {"dxdt_max", 0, 1, 0, NULL, "largest first difference (x[j+1] - x[j]) / dt"},
    {"dxdt_min", 0, 1, 0, NULL, "smallest first difference"},
    {"dxdt_extrema", 0, 2, 0, sub_extrema, "largest and smallest first difference"},
    {"d2xdt2_max", 0, 1, 0, NULL, "largest second difference (x[j+1] - 2 x[j] + x[j-1]) / dt^2"},
    {"d2xdt2_min", 0, 1, 0, NULL, "smallest second difference"},
    {"d2xdt2_extrema", 0, 2, 0, sub_extrema, "largest and smallest second difference"},
};
const size_t sm_metrics_len = sizeof sm_metrics / sizeof sm_metrics[0];

static int ieq_n(const char *a, const char *b, size_t n)
{
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; ++i)
        if (tolower((unsigned char)a[i]) != (unsigned char)b[i])
            return 0;
    return 1;
}

int sm_parse(bo_context *ctx, const char *key, const char *item, const char *whole, sm_request *req)
{
    size_t base = strcspn(item, "[");
    const sm_metric *m = NULL;
    for (size_t i = 0; i < sm_metrics_len && !m; ++i)
        if (ieq_n(item, sm_metrics[i].name, base))
            m = &sm_metrics[i];
    if (!m)
        return 0;
    const char *in = whole && whole != item ? whole : NULL;
    if (!m->takes_count) {
        if (item[base])
            return bo_error(ctx, BO_ERR_SETTING,
                            "setting '%s': metric '%s' takes no count: write %s (got '%s'%s%s%s)",
                            key, m->name, m->name, item, in ? " in '" : "", in ? in : "",
                            in ? "'" : "");
        req->metric = m;
        req->count = 0;
        return 1;
    }
    const char *p = item + base;
    long k = -1;
    if (*p == '[' && isdigit((unsigned char)p[1])) {
        char *end;
        k = strtol(p + 1, &end, 10);
        if (end[0] != ']' || end[1] != '\0' || end - (p + 1) > 3)
            k = -1;
    }
    if (k < 1 || k > SM_MAX_COUNT)
        return bo_error(ctx, BO_ERR_SETTING,
                        "setting '%s': metric '%s' takes a count: write %s[k] with k in 1..%d "
                        "(got '%s'%s%s%s)",
                        key, m->name, m->name, SM_MAX_COUNT, item, in ? " in '" : "", in ? in : "",
                        in ? "'" : "");
    req->metric = m;
    req->count = (int)k;
    return 1;
}

void sm_format(const sm_request *req, sb_buf *out)
{
    if (req->metric->takes_count)
        sb_printf(out, "%s[%d]", req->metric->name, req->count);
    else
        sb_append(out, req->metric->name);
}

void sm_forms(sb_buf *out, int md)
{
    for (size_t i = 0; i < sm_metrics_len; ++i)
        sb_printf(out, "%s%s%s%s%s", i ? ", " : "", md ? "`" : "", sm_metrics[i].name,
                  sm_metrics[i].takes_count ? "[k]" : "", md ? "`" : "");
}

static size_t sub_count(const sm_metric *m)
{
    size_t n = 0;
    while (m->subs && m->subs[n])
        ++n;
    return n;
}

size_t sm_acc_size(const sm_request *req)
{
    return req->metric->acc_fixed + req->metric->acc_per_count * (size_t)req->count;
}

size_t sm_out_count(const sm_request *req)
{
    size_t subs = sub_count(req->metric);
    if (req->metric->takes_count)
        return subs * (size_t)req->count;
    return subs ? subs : 1;
}

const char *sm_sub_name(const sm_request *req, size_t j, char *buf, size_t len)
{
    size_t subs = sub_count(req->metric);
    if (!subs || !buf || len == 0)
        return NULL;
    if (req->metric->takes_count)
        snprintf(buf, len, "%s%zu", req->metric->subs[j % subs], j / subs + 1);
    else
        snprintf(buf, len, "%s", req->metric->subs[j % subs]);
    return buf;
}

static void int_array(sb_buf *out, const char *name, const int *v, size_t n)
{
    sb_printf(out, "BO_CONST_ARRAY int %s[%zu] = {", name, n ? n : 1);
    for (size_t i = 0; i < n; ++i)
        sb_printf(out, i ? ", %d" : "%d", v[i]);
    sb_append(out, n ? "};\n" : "0};\n");
}

void sm_emit(sb_buf *out, const sm_request *req, size_t n_req, const int *states, size_t n_states,
             const int *obs, size_t n_obs)
{
    size_t nv = n_states + n_obs;
    if (n_req == 0 || nv == 0) {
        sb_append(out, "#define BO_SUM_ACTIVE 0\n");
        return;
    }
    size_t acc = 0, outs = 0;
    for (size_t i = 0; i < n_req; ++i) {
        acc += sm_acc_size(&req[i]);
        outs += sm_out_count(&req[i]);
    }
    sb_printf(out,
              "#define BO_SUM_ACTIVE 1\n#define BO_SUM_N_STATES %zu\n#define BO_SUM_N_OBS %zu\n"
              "#define BO_SUM_N_VARS %zu\n#define BO_SUM_HISTORY %d\n"
              "#define BO_SUM_ACC_PER_VAR %zu\n#define BO_SUM_OUT_PER_VAR %zu\n",
              n_states, n_obs, nv, SM_HISTORY, SM_HISTORY + acc, outs);
    int_array(out, "bo_sum_states", states, n_states);
    int_array(out, "bo_sum_obs", obs, n_obs);
    /* Each metric's functions at its offset in a variable's accumulators and outputs; the
     * device library expands these after defining the functions. */
    static const char *const heads[3] = {"RESET_VAR(acc)", "UPDATE_VAR(acc, smp)",
                                         "SAVE_VAR(acc, smp, out, stride)"};
    static const char *const verbs[3] = {"reset", "update", "save"};
    for (int ph = 0; ph < 3; ++ph) {
        sb_printf(out, "#define BO_SUM_%s \\\n    do { \\\n", heads[ph]);
        size_t a = 0, o = 0;
        for (size_t i = 0; i < n_req; ++i) {
            sb_printf(out, "        bo_sum_%s_%s((acc) + %zu, %d", req[i].metric->name, verbs[ph],
                      a, req[i].count);
            if (ph == 1)
                sb_append(out, ", (smp)");
            else if (ph == 2)
                sb_printf(out, ", (smp), (out) + %zu * (stride), (stride)", o);
            sb_append(out, "); \\\n");
            a += sm_acc_size(&req[i]);
            o += sm_out_count(&req[i]);
        }
        sb_append(out, "    } while (0)\n");
    }
}
