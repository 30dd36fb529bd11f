/* Generated programs of driven models compile with NVRTC into sm_90 cubins (no GPU needed):
 * the pasted kernels/drivers.h under C++ rules, in float32 and float64, with one and with
 * two drivers, used by the equations and by an observable. A program without drivers keeps
 * no-op definitions of both driver entry points. Skips (77) when NVRTC cannot be loaded. */
#include <string.h>

#include "backend/cuda/nvrtc.h"
#include "batchode.h"
#include "harness.h"
#include "solve/solver_internal.h"

static const char *const models[] = {
    "model one\nparam k = 4\ndriver F\nstate x = 0, v = 0\ndx/dt = v\ndv/dt = F - k*x\n",
    "model two\nparam c = 0.2\ndriver F, G\nstate x = 0, v = 0\ndx/dt = v\n"
    "dv/dt = F - c*v - (4 + G)*x\nobs power = F*v\n",
};

int main(void)
{
    bo_context *ctx = NULL;
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (cu_nvrtc_load(ctx) != BO_OK) {
        bo_context_destroy(ctx);
        T_SKIP("NVRTC cannot be loaded");
    }
    for (size_t i = 0; i < sizeof models / sizeof models[0]; ++i) {
        bo_model *m = NULL;
        T_EQ_INT(bo_model_load_string(ctx, models[i], "m.ode", &m), BO_OK);
        for (int f32 = 0; m && f32 < 2; ++f32) {
            bo_settings *s = NULL;
            bo_settings_create(ctx, &s);
            bo_settings_set(s, "precision", f32 ? "float32" : "float64");
            bo_settings_set(s, "outputs", "state,observables");
            char *src = NULL;
            T_EQ_INT(sv_generate(ctx, m, s, &src, NULL, NULL), BO_OK);
            T_CHECK(src && strstr(src, "---- kernels/drivers.h ----"));
            char *out = NULL;
            size_t size = 0;
            int rc = src ? cu_nvrtc_compile(ctx, src, "driven.cu", 90, 1, &out, &size) : -1;
            T_CHECKF(rc == BO_OK, "model %zu float%d: %s\n%s", i, f32 ? 32 : 64, bo_errmsg(ctx),
                     bo_errlog(ctx));
            T_CHECK(size > 0);
            bo_free(out);
            bo_free(src);
            bo_settings_destroy(s);
        }
        bo_model_destroy(m);
    }
    /* Without drivers: no pasted table code, both no-ops present. */
    bo_model *plain = NULL;
    bo_model_load_string(ctx, "state y = 1\ndy/dt = -y\n", "p.ode", &plain);
    bo_settings *s = NULL;
    bo_settings_create(ctx, &s);
    char *src = NULL;
    T_EQ_INT(sv_generate(ctx, plain, s, &src, NULL, NULL), BO_OK);
    T_CHECK(src && !strstr(src, "kernels/drivers.h"));
    T_CHECK(src && strstr(src, "BO_DEVICE void bo_drivers_eval(const void *data"));
    T_CHECK(src && strstr(src, "BO_DEVICE void bo_drivers_eval_dt(const void *data"));
    char *out = NULL;
    size_t size = 0;
    T_EQ_INT(src ? cu_nvrtc_compile(ctx, src, "plain.cu", 90, 1, &out, &size) : -1, BO_OK);
    bo_free(out);
    bo_free(src);
    bo_settings_destroy(s);
    bo_model_destroy(plain);
    bo_context_destroy(ctx);
    T_DONE();
}
