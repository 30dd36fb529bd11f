/* Cached CUDA images, on a GPU (exits 77 without one): an image whose sum matches but which
 * the driver cannot load is dropped and rebuilt; a cache directory or an image that another
 * user could have written is not used (a warning, a fresh NVRTC compile, the right result).
 * Each solve is checked against the closed form x = 2.385 exp(-k c t). */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/cache.h"
#include "backend/cuda/cuda.h"
#include "batchode.h"
#include "harness.h"
#include "util/sha256.h"

static bo_context *ctx;
static char root[64];

static int use_disk_cache = 1;

static int solve(double c, double *x)
{
    char text[200];
    snprintf(text, sizeof text,
             "model gpu_cache\nconst c = %.17g\nparam k = 1.5\nstate x = 2.385\ndx/dt = -k*c*x\n",
             c);
    bo_model *m = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_batch *b = NULL;
    bo_results *r = NULL;
    int rc = bo_model_load_string(ctx, text, "gpu_cache.ode", &m);
    if (rc == BO_OK)
        rc = bo_settings_create(ctx, &s);
    if (rc == BO_OK) {
        bo_settings_set(s, "backend", "cuda");
        bo_settings_set(s, "rtol", "1e-10");
        bo_settings_set(s, "atol", "1e-12");
        bo_settings_set(s, "duration", "1");
        bo_settings_set(s, "cache", use_disk_cache ? "true" : "false");
        rc = bo_solver_create(ctx, m, s, &sv);
    }
    if (rc == BO_OK)
        rc = bo_batch_create(ctx, m, &b);
    if (rc == BO_OK)
        rc = bo_solver_solve(sv, b, &r);
    if (rc == BO_OK)
        *x = bo_results_final(r, 0, 0);
    if (rc != BO_OK)
        printf("solve: %s\n", bo_errmsg(ctx));
    bo_results_destroy(r);
    bo_batch_destroy(b);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_model_destroy(m);
    return rc;
}

static void find_cubin(const char *dir, char path[300])
{
    path[0] = '\0';
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh && (e = readdir(dh)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 6 && n < 100 && strcmp(e->d_name + n - 6, ".cubin") == 0)
            snprintf(path, 300, "%s/%.99s", dir, e->d_name);
    }
    if (dh)
        closedir(dh);
}

static void write_with_sum(const char *path, const void *data, size_t len)
{
    char sum_path[320], hex[65], text[256];
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    chmod(path, 0600);
    sha256_hex(data, len, hex);
    int n = snprintf(text, sizeof text, "batchode-cache-sum-v1\nsize %zu\nsha256 %s\n", len, hex);
    snprintf(sum_path, sizeof sum_path, "%s.sum", path);
    f = fopen(sum_path, "wb");
    if (f) {
        fwrite(text, 1, (size_t)n, f);
        fclose(f);
    }
    chmod(sum_path, 0600);
}

int main(void)
{
    T_EQ_INT(bo_context_create(&ctx), BO_OK);
    if (cu_available(ctx, 0) != BO_OK) {
        printf("%s\n", bo_errmsg(ctx));
        bo_context_destroy(ctx);
        T_SKIP("no usable CUDA device");
    }
    snprintf(root, sizeof root, "/tmp/bo_gpu_cache_XXXXXX");
    if (!mkdtemp(root))
        T_SKIP("cannot create a temporary directory");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/cache", root);
    setenv("BATCHODE_CACHE_DIR", dir, 1);
    double c = 1.25, x = 0, want = 2.385 * exp(-1.5 * c);

    /* A cold solve stores the image. */
    T_EQ_INT(solve(c, &x), BO_OK);
    T_REL(x, want, 1e-8);
    char cubin[300];
    find_cubin(dir, cubin);
    T_CHECK(cubin[0] != '\0');

    /* Junk with a valid sum: dropped, rebuilt, and the solve succeeds. */
    unsigned char junk[2048];
    for (size_t i = 0; i < sizeof junk; ++i)
        junk[i] = (unsigned char)((i * 2654435761u) >> 9);
    write_with_sum(cubin, junk, sizeof junk);
    cc_mem_clear();
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(c, &x), BO_OK);
    T_REL(x, want, 1e-8);
    T_CONTAINS(bo_warnings(ctx), "dropped the cached CUDA image");
    FILE *f = fopen(cubin, "rb");
    unsigned char head[16] = {0};
    T_CHECK(f && fread(head, 1, sizeof head, f) == sizeof head);
    if (f)
        fclose(f);
    T_CHECKF(memcmp(head, junk, sizeof head) != 0, "the image was not rebuilt");
    cc_mem_clear();
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(c, &x), BO_OK); /* a plain disk hit now */
    T_EQ_STR(bo_warnings(ctx), "");

    /* The same junk in a directory others may write: not even read. */
    write_with_sum(cubin, junk, sizeof junk);
    chmod(dir, 0777);
    cc_mem_clear();
    bo_clear_warnings(ctx);
    T_EQ_INT(solve(c, &x), BO_OK);
    T_REL(x, want, 1e-8);
    T_CONTAINS(bo_warnings(ctx), "compile cache: not using");
    chmod(dir, 0700);
    if (geteuid() == 0) {
        /* An image owned by another user in a private directory: not used, replaced. */
        char sum[320];
        snprintf(sum, sizeof sum, "%s.sum", cubin);
        T_EQ_INT(chown(cubin, 65534, 65534), 0);
        T_EQ_INT(chown(sum, 65534, 65534), 0);
        cc_mem_clear();
        bo_clear_warnings(ctx);
        T_EQ_INT(solve(c, &x), BO_OK);
        T_REL(x, want, 1e-8);
        T_CONTAINS(bo_warnings(ctx), "not by this user");
        struct stat st;
        T_CHECK(stat(cubin, &st) == 0 && st.st_uid == 0);
    }
    /* cache=false neither reads nor writes the disk cache (the CUDA backend used to ignore it):
     * a new model compiles, is right, and leaves no image behind. */
    cc_mem_clear();
    char fresh[128];
    snprintf(fresh, sizeof fresh, "%s/fresh", root);
    setenv("BATCHODE_CACHE_DIR", fresh, 1);
    use_disk_cache = 0;
    T_EQ_INT(solve(0.75, &x), BO_OK);
    T_REL(x, 2.385 * exp(-1.5 * 0.75), 1e-8);
    char none[300];
    find_cubin(fresh, none);
    T_CHECK(none[0] == '\0');
    use_disk_cache = 1;
    cc_mem_clear();
    bo_context_destroy(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        printf("could not remove %s\n", root);
    T_DONE();
}
