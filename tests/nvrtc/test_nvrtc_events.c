/* Programs with events compile with NVRTC into an sm_90 cubin (no GPU needed) and with the
 * host compiler under the strict flags of generated code: every event configuration (rising,
 * falling, either; with assignments, with a stop, counted only; one event and several; events
 * reading time, drivers and observables), with an adaptive and a fixed-step method and an
 * implicit one, in float32 and float64. The NVRTC half is skipped (exit 77 at the end) when
 * NVRTC cannot be loaded. */
#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "batchode.h"
#include "ccutil.h"
#include "harness.h"
#include "nvrtctest.h"
#include "solve/solver_internal.h"

static const char *const models[] = {
    /* falling with an assignment */
    "param e = 0.8\nstate y = 1, v = 0\ndy/dt = v\ndv/dt = -9.81\n"
    "event bounce when y falling then v = -e*v\n",
    /* rising, stop */
    "state x = 1, v = 0\ndx/dt = v\ndv/dt = -x\nevent up when x rising stop\n",
    /* either direction, counted only */
    "state x = 1, v = 0\ndx/dt = v\ndv/dt = -x\nevent zero when x\n",
    /* several: simultaneous assignments, a stop after assignments, time, drivers, observables */
    "param vth = 1, vr = 0\ndriver I\nstate V = 0, w = 0\nobs q = V - vth\n"
    "dV/dt = I - V - w\ndw/dt = 0.1*(V - w)\n"
    "event fire when q rising then V = vr, w = w + 0.1\n"
    "event late when t - 50 rising then w = 0 stop\n"
    "event dip when w - 0.5 falling\n",
};

static const char *const configs[] = {
    "algorithm=tsit5 precision=float64",
    "algorithm=dp5 precision=float32",
    "algorithm=rk4 step_controller=fixed precision=float64",
    "algorithm=rodas5p precision=float64",
};

int main(void)
{
    bo_context *ctx = NULL;
    bo_context_create(&ctx);
    int nvrtc = cu_nvrtc_load(ctx) == BO_OK;
    for (size_t mi = 0; mi < sizeof models / sizeof models[0]; ++mi) {
        bo_model *m = NULL;
        T_EQ_INT(bo_model_load_string(ctx, models[mi], "events", &m), BO_OK);
        for (size_t ci = 0; m && ci < sizeof configs / sizeof configs[0]; ++ci) {
            bo_settings *s = NULL;
            bo_settings_create(ctx, &s);
            char buf[256];
            snprintf(buf, sizeof buf, "%s", configs[ci]);
            for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
                char *eq = strchr(tok, '=');
                *eq = '\0';
                T_EQ_INT(bo_settings_set(s, tok, eq + 1), BO_OK);
            }
            char *src = NULL;
            int rc = sv_generate(ctx, m, s, &src, NULL, NULL);
            T_CHECKF(rc == BO_OK, "sv_generate: %s", bo_errmsg(ctx));
            if (src) {
                T_CONTAINS(src, "bo_ev_step(");
                T_CONTAINS(src, "BO_CONST_ARRAY int bo_event_direction");
                T_CHECKF(ccu_compiles(src, CCU_STRICT),
                         "model %zu, %s: the generated C does not compile", mi, configs[ci]);
                if (nvrtc) {
                    T_CHECKF(nvt_compiles(ctx, src), "model %zu, %s: NVRTC: %s\n%s", mi,
                             configs[ci], bo_errmsg(ctx), bo_errlog(ctx));
                }
            }
            bo_free(src);
            bo_settings_destroy(s);
        }
        bo_model_destroy(m);
    }
    bo_context_destroy(ctx);
    if (!nvrtc && t_failed == 0)
        T_SKIP("NVRTC cannot be loaded (the host compiles passed: %d checks)", t_passed);
    T_DONE();
}
