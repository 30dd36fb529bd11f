/* Hand-written CUDA kernels for the GPUODEBenchmarks Lorenz ensemble (Utkarsh et al.,
 * "Automated translation and accelerated solving of differential equation ensembles on GPU",
 * CMAME 2024): the speed of light that bench_gpu_lorenz measures batchode against.
 *
 *   dx = 10(y - x), dy = rho*x - y - x*z, dz = x*y - (8/3)*z,  (x, y, z)(0) = (1, 0, 0),
 *   t in [0, 1], rho = linspace(0, 21, N), final state only.
 *
 * One thread per run, the state and every stage in scalar registers, templated on the
 * working precision. Three kernels: fixed RK4 (dt = 0.001), fixed Tsit5 (dt = 0.001) and
 * adaptive Tsit5 at atol = rtol = 1e-8 with the controller batchode defaults to for an
 * embedded explicit pair (docs/controllers.md, kernels/controllers.h, kernels/loop.h): RMS norm
 * of err / (atol + rtol * max(|y|, |y_new|)), PI gains kp = 0.7, ki = -0.4 on the exponent
 * 1/(q+1) with q = 4, safety 0.9, gains clamped to [0.2, 10], rejections capped at safety,
 * first step 0.001, dt_min 1e-12, time in double, a last step that would end within 1% of
 * t = 1 stretched onto it and, when shortened, leaving the step size and history untouched.
 * The only liberty taken is algebraic: the two PI powers are formed as one exp2 of logs,
 * with log2 of the previous error kept instead of the error itself.
 *
 * main() times each (case, precision, N) with CUDA events (median of the repetitions after
 * warm-ups and a block-size search), checks the final states of a sample of runs against a
 * float64 host RK4 at dt = 1e-4, and prints
 *   hand <case> <prec> <N> <kernel_ms>
 *   accuracy hand <case> <prec> <N> <max_rel_err> <steps_per_run> <failed> <block> <ok|FAIL>
 * The relative error is |got - ref| / (|ref| + 1), as in bench_cpu_lorenz.
 *
 * Build: nvcc -O3 -gencode=arch=compute_90,code=sm_90 -o bench_hand bench/lorenz_kernels.cu
 * Usage: bench_hand [--log2n 10,12,...] [--reps R] [--cases c1,c2] [--precs float32,float64]
 * Cases: rk4_fixed, tsit5_fixed, tsit5_adaptive. Exit 1 when a check fails, 77 without a GPU.
 * bench_hand --host-check runs the same integrators (they are __host__ __device__) on the CPU
 * over 1024 runs against the reference: the kernels' logic checked where no GPU is.
 * bench_hand --host-steps prints the adaptive integrator's steps per run on the CPU in both
 * precisions at tolerances 1e-5 ... 1e-8. */
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define CUDA_CHECK(call)                                                                           \
    do {                                                                                           \
        cudaError_t err_ = (call);                                                                 \
        if (err_ != cudaSuccess) {                                                                 \
            std::fprintf(stderr, "bench_hand: %s failed: %s (%s:%d)\n", #call,                     \
                         cudaGetErrorString(err_), __FILE__, __LINE__);                            \
            std::exit(1);                                                                          \
        }                                                                                          \
    } while (0)

static constexpr double kT1 = 1.0;  /* end time */
static constexpr double kDt = 1e-3; /* fixed step, and the first adaptive step */
static constexpr int kFixedSteps = 1000;
static constexpr double kTol = 1e-8;    /* atol = rtol */
static constexpr double kDtMin = 1e-12; /* batchode's resolved dt_min */
static constexpr int kMaxSteps = 1000000;

/* Status bits of a run (a subset of kernels/status.h, for counting failures only). */
enum { RUN_MAX_STEPS = 1, RUN_STEP_TOO_SMALL = 2 };

/* Device code that the host also runs (--host-check). */
#define HD __host__ __device__ __forceinline__

template <typename T> HD void lorenz(T rho, T x, T y, T z, T &dx, T &dy, T &dz)
{
    dx = T(10.0) * (y - x);
    dy = rho * x - y - x * z;
    dz = x * y - T(8.0 / 3.0) * z;
}

/* Classical RK4 (Kutta 1901), nsteps steps of dt from (1, 0, 0). */
template <typename T> HD void rk4_run(T p, T dt, int nsteps, T &x, T &y, T &z)
{
    const T h2 = dt * T(0.5), h6 = dt / T(6.0);
    x = T(1);
    y = T(0);
    z = T(0);
    for (int s = 0; s < nsteps; ++s) {
        T k1x, k1y, k1z, k2x, k2y, k2z, k3x, k3y, k3z, k4x, k4y, k4z;
        lorenz(p, x, y, z, k1x, k1y, k1z);
        lorenz(p, x + h2 * k1x, y + h2 * k1y, z + h2 * k1z, k2x, k2y, k2z);
        lorenz(p, x + h2 * k2x, y + h2 * k2y, z + h2 * k2z, k3x, k3y, k3z);
        lorenz(p, x + dt * k3x, y + dt * k3y, z + dt * k3z, k4x, k4y, k4z);
        x += h6 * (k1x + T(2) * (k2x + k3x) + k4x);
        y += h6 * (k1y + T(2) * (k2y + k3y) + k4y);
        z += h6 * (k1z + T(2) * (k2z + k3z) + k4z);
    }
}

/* Tsitouras 5(4), Ch. Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying only the first
 * column simplifying assumption", Comput. Math. Appl. 62(2) (2011) 770-775, Table 1; the
 * error weights e = b - bhat as in src/methods/tableau.c. FSAL: row 7 of A is b. */
#define TS_C2 0.161
#define TS_C3 0.327
#define TS_C4 0.9
#define TS_C5 0.9800255409045097
#define TS_A21 0.161
#define TS_A31 (-0.008480655492356989)
#define TS_A32 0.335480655492357
#define TS_A41 2.897153057105493
#define TS_A42 (-6.359448489975075)
#define TS_A43 4.3622954328695815
#define TS_A51 5.325864828439257
#define TS_A52 (-11.748883564062828)
#define TS_A53 7.4955393428898365
#define TS_A54 (-0.09249506636175525)
#define TS_A61 5.86145544294642
#define TS_A62 (-12.92096931784711)
#define TS_A63 8.159367898576159
#define TS_A64 (-0.071584973281401)
#define TS_A65 (-0.028269050394068383)
#define TS_B1 0.09646076681806523
#define TS_B2 0.01
#define TS_B3 0.4798896504144996
#define TS_B4 1.379008574103742
#define TS_B5 (-3.290069515436081)
#define TS_B6 2.324710524099774
#define TS_E1 (-0.00178001105222577714)
#define TS_E2 (-0.0008164344596567469)
#define TS_E3 0.007880878010261995
#define TS_E4 (-0.1447110071732629)
#define TS_E5 0.5823571654525552
#define TS_E6 (-0.45808210592918697)
#define TS_E7 (1.0 / 66.0)

/* One Tsit5 step of size h from (x, y, z) with k1 = f(x, y, z) given: the new state and, when
 * want_err, the embedded error estimate h * sum e_j k_j (which needs k7 = f(y_new), also the
 * next step's k1). The autonomous system ignores the stage times. */
template <typename T, bool want_err>
HD void tsit5_step(T p, T x, T y, T z, T k1x, T k1y, T k1z, T h, T &xn, T &yn, T &zn, T &k7x,
                   T &k7y, T &k7z, T &ex, T &ey, T &ez)
{
    T k2x, k2y, k2z, k3x, k3y, k3z, k4x, k4y, k4z, k5x, k5y, k5z, k6x, k6y, k6z;
    lorenz(p, x + h * (T(TS_A21) * k1x), y + h * (T(TS_A21) * k1y), z + h * (T(TS_A21) * k1z), k2x,
           k2y, k2z);
    lorenz(p, x + h * (T(TS_A31) * k1x + T(TS_A32) * k2x),
           y + h * (T(TS_A31) * k1y + T(TS_A32) * k2y), z + h * (T(TS_A31) * k1z + T(TS_A32) * k2z),
           k3x, k3y, k3z);
    lorenz(p, x + h * (T(TS_A41) * k1x + T(TS_A42) * k2x + T(TS_A43) * k3x),
           y + h * (T(TS_A41) * k1y + T(TS_A42) * k2y + T(TS_A43) * k3y),
           z + h * (T(TS_A41) * k1z + T(TS_A42) * k2z + T(TS_A43) * k3z), k4x, k4y, k4z);
    lorenz(p, x + h * (T(TS_A51) * k1x + T(TS_A52) * k2x + T(TS_A53) * k3x + T(TS_A54) * k4x),
           y + h * (T(TS_A51) * k1y + T(TS_A52) * k2y + T(TS_A53) * k3y + T(TS_A54) * k4y),
           z + h * (T(TS_A51) * k1z + T(TS_A52) * k2z + T(TS_A53) * k3z + T(TS_A54) * k4z), k5x,
           k5y, k5z);
    lorenz(p,
           x + h * (T(TS_A61) * k1x + T(TS_A62) * k2x + T(TS_A63) * k3x + T(TS_A64) * k4x +
                    T(TS_A65) * k5x),
           y + h * (T(TS_A61) * k1y + T(TS_A62) * k2y + T(TS_A63) * k3y + T(TS_A64) * k4y +
                    T(TS_A65) * k5y),
           z + h * (T(TS_A61) * k1z + T(TS_A62) * k2z + T(TS_A63) * k3z + T(TS_A64) * k4z +
                    T(TS_A65) * k5z),
           k6x, k6y, k6z);
    xn = x + h * (T(TS_B1) * k1x + T(TS_B2) * k2x + T(TS_B3) * k3x + T(TS_B4) * k4x +
                  T(TS_B5) * k5x + T(TS_B6) * k6x);
    yn = y + h * (T(TS_B1) * k1y + T(TS_B2) * k2y + T(TS_B3) * k3y + T(TS_B4) * k4y +
                  T(TS_B5) * k5y + T(TS_B6) * k6y);
    zn = z + h * (T(TS_B1) * k1z + T(TS_B2) * k2z + T(TS_B3) * k3z + T(TS_B4) * k4z +
                  T(TS_B5) * k5z + T(TS_B6) * k6z);
    lorenz(p, xn, yn, zn, k7x, k7y, k7z);
    if (want_err) {
        ex = h * (T(TS_E1) * k1x + T(TS_E2) * k2x + T(TS_E3) * k3x + T(TS_E4) * k4x +
                  T(TS_E5) * k5x + T(TS_E6) * k6x + T(TS_E7) * k7x);
        ey = h * (T(TS_E1) * k1y + T(TS_E2) * k2y + T(TS_E3) * k3y + T(TS_E4) * k4y +
                  T(TS_E5) * k5y + T(TS_E6) * k6y + T(TS_E7) * k7y);
        ez = h * (T(TS_E1) * k1z + T(TS_E2) * k2z + T(TS_E3) * k3z + T(TS_E4) * k4z +
                  T(TS_E5) * k5z + T(TS_E6) * k6z + T(TS_E7) * k7z);
    }
}

/* Fixed-step Tsit5 from (1, 0, 0): 6 evaluations per step (k7 of one step is k1 of the
 * next). */
template <typename T> HD void tsit5_fixed_run(T p, T dt, int nsteps, T &x, T &y, T &z)
{
    T k1x, k1y, k1z;
    x = T(1);
    y = T(0);
    z = T(0);
    lorenz(p, x, y, z, k1x, k1y, k1z);
    for (int s = 0; s < nsteps; ++s) {
        T xn, yn, zn, k7x, k7y, k7z, ex, ey, ez;
        tsit5_step<T, false>(p, x, y, z, k1x, k1y, k1z, dt, xn, yn, zn, k7x, k7y, k7z, ex, ey, ez);
        x = xn;
        y = yn;
        z = zn;
        k1x = k7x;
        k1y = k7y;
        k1z = k7z;
    }
}

HD float log2_(float v)
{
    return log2f(v);
}
HD double log2_(double v)
{
    return log2(v);
}
HD float exp2_(float v)
{
    return exp2f(v);
}
HD double exp2_(double v)
{
    return exp2(v);
}

/* Adaptive Tsit5 with batchode's default PI controller (see the file comment):
 *   g = safety * (E2_n)^(-kp/k) * (E2_{n-1})^(-ki/k), k = 2(q+1) = 10,
 * on the mean-square norm E2 (Gustafsson 1991; Hairer, Norsett & Wanner I, II.4). */
template <typename T>
HD int tsit5_adaptive_run(T p, T atol, T rtol, T dt0, T dt_min, int max_steps, T &x, T &y, T &z,
                          int &steps)
{
    const T huge = T(1e30), floor2 = T(1e-30);
    T k1x, k1y, k1z;
    x = T(1);
    y = T(0);
    z = T(0);
    lorenz(p, x, y, z, k1x, k1y, k1z);
    double t = 0.0;
    T dt = dt0;
    T log_prev = T(0); /* log2(E2_{n-1}) once have_prev */
    bool have_prev = false;
    int status = 0;
    steps = 0;
    while (t < kT1) {
        if (steps >= max_steps) {
            status = RUN_MAX_STEPS;
            break;
        }
        T h = dt;
        bool lands = false, truncated = false;
        if (t + (double)dt * 1.01 >= kT1) {
            h = (T)(kT1 - t);
            lands = true;
            truncated = h < dt;
        }
        T xn, yn, zn, k7x, k7y, k7z, ex, ey, ez;
        tsit5_step<T, true>(p, x, y, z, k1x, k1y, k1z, h, xn, yn, zn, k7x, k7y, k7z, ex, ey, ez);
        ++steps;
        const T sx = ex / (atol + rtol * fmax(fabs(x), fabs(xn)));
        const T sy = ey / (atol + rtol * fmax(fabs(y), fabs(yn)));
        const T sz = ez / (atol + rtol * fmax(fabs(z), fabs(zn)));
        T e2 = (sx * sx + sy * sy + sz * sz) / T(3);
        /* NaN anywhere (the error, or a state fmax would hide) is a failed step. */
        if (!(e2 < huge) || !isfinite(xn + yn + zn))
            e2 = huge;
        const bool accept = e2 <= T(1);
        T gain = T(0.2), le = T(0);
        if (e2 < huge) {
            le = log2_(fmax(e2, floor2));
            const T lp = have_prev ? log_prev : le;
            gain = T(0.9) * exp2_(T(-0.7 / 10.0) * le + T(0.4 / 10.0) * lp);
            gain = fmin(fmax(gain, T(0.2)), T(10));
        }
        if (accept) {
            t = lands ? kT1 : t + (double)h;
            x = xn;
            y = yn;
            z = zn;
            k1x = k7x;
            k1y = k7y;
            k1z = k7z;
            if (!truncated) {
                dt = fmax(h * gain, dt_min);
                log_prev = le;
                have_prev = true;
            }
        } else {
            if (h <= dt_min) {
                status = RUN_STEP_TOO_SMALL;
                break;
            }
            dt = fmax(h * fmin(gain, T(0.9)), dt_min);
        }
    }
    return status;
}

/* The kernels: one thread per run, outputs [state][run] so a warp's stores coalesce. */
template <typename T>
__global__ void rk4_fixed(const T *__restrict__ rho, T *__restrict__ out, long long n, T dt,
                          int nsteps)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    T x, y, z;
    rk4_run(rho[i], dt, nsteps, x, y, z);
    out[i] = x;
    out[n + i] = y;
    out[2 * n + i] = z;
}

template <typename T>
__global__ void tsit5_fixed(const T *__restrict__ rho, T *__restrict__ out, long long n, T dt,
                            int nsteps)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    T x, y, z;
    tsit5_fixed_run(rho[i], dt, nsteps, x, y, z);
    out[i] = x;
    out[n + i] = y;
    out[2 * n + i] = z;
}

template <typename T>
__global__ void tsit5_adaptive(const T *__restrict__ rho, T *__restrict__ out,
                               int *__restrict__ steps_out, int *__restrict__ status_out,
                               long long n, T atol, T rtol, T dt0, T dt_min, int max_steps)
{
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    T x, y, z;
    int steps;
    const int status =
        tsit5_adaptive_run(rho[i], atol, rtol, dt0, dt_min, max_steps, x, y, z, steps);
    out[i] = x;
    out[n + i] = y;
    out[2 * n + i] = z;
    steps_out[i] = steps;
    status_out[i] = status;
}

/* ---- host ------------------------------------------------------------------------------ */

enum Case { RK4_FIXED, TSIT5_FIXED, TSIT5_ADAPTIVE, NCASES };
static const char *const kCaseNames[NCASES] = {"rk4_fixed", "tsit5_fixed", "tsit5_adaptive"};

static void lorenz_host(double rho, const double *u, double *f)
{
    f[0] = 10.0 * (u[1] - u[0]);
    f[1] = rho * u[0] - u[1] - u[0] * u[2];
    f[2] = u[0] * u[1] - (8.0 / 3.0) * u[2];
}

/* The float64 reference: RK4 at dt = 1e-4 (10^4 steps). RK4's global error on this problem
 * is about 7.5e-10 at dt = 1e-3 (bench/RESULTS.md, against GSL rk8pd at 1e-13), so at 1e-4 it
 * is about 1e-13, far below every error measured here. */
static void reference(double rho, double *u)
{
    const int steps = 10000;
    const double h = 1.0 / steps;
    double k1[3], k2[3], k3[3], k4[3], v[3];
    u[0] = 1.0;
    u[1] = 0.0;
    u[2] = 0.0;
    for (int s = 0; s < steps; ++s) {
        lorenz_host(rho, u, k1);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + 0.5 * h * k1[j];
        lorenz_host(rho, v, k2);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + 0.5 * h * k2[j];
        lorenz_host(rho, v, k3);
        for (int j = 0; j < 3; ++j)
            v[j] = u[j] + h * k3[j];
        lorenz_host(rho, v, k4);
        for (int j = 0; j < 3; ++j)
            u[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
    }
}

/* Runs whose final states are checked: all of them up to kSample, else kSample evenly
 * spaced ones including both ends. */
static const long long kSample = 1024;

static std::vector<long long> sample_runs(long long n)
{
    std::vector<long long> runs;
    long long m = std::min(n, kSample);
    for (long long k = 0; k < m; ++k)
        runs.push_back(m == n ? k : (long long)((double)k * (double)(n - 1) / (double)(m - 1)));
    return runs;
}

static double rho_of(long long r, long long n)
{
    return 21.0 * (double)r / (double)(n - 1);
}

/* Bounds for the check: far above the expected errors (float64: RK4 ~1e-9, Tsit5 fixed
 * ~1e-12, adaptive at 1e-8 ~1e-8; float32: rounding over 10^3 steps ~1e-5), far below the
 * O(1) error of a wrong kernel. */
static double error_bound(int c, bool single)
{
    if (single)
        return 1e-3;
    return c == TSIT5_ADAPTIVE ? 1e-6 : 1e-8;
}

static std::vector<long long> parse_list(const char *s)
{
    std::vector<long long> v;
    const char *p = s;
    while (*p) {
        char *end = NULL;
        long long x = std::strtoll(p, &end, 10);
        if (end == p)
            break;
        v.push_back(x);
        p = *end == ',' ? end + 1 : end;
    }
    return v;
}

static bool listed(const char *list, const char *name)
{
    std::string l = std::string(",") + list + ",";
    return l.find(std::string(",") + name + ",") != std::string::npos;
}

struct Options {
    std::vector<long long> log2n;
    int reps;
    const char *cases;
    const char *precs;
};

template <typename T>
static void launch(int c, int block, const T *rho, T *out, int *steps, int *status, long long n)
{
    unsigned grid = (unsigned)((n + block - 1) / block);
    if (c == RK4_FIXED)
        rk4_fixed<T><<<grid, block>>>(rho, out, n, T(kDt), kFixedSteps);
    else if (c == TSIT5_FIXED)
        tsit5_fixed<T><<<grid, block>>>(rho, out, n, T(kDt), kFixedSteps);
    else
        tsit5_adaptive<T><<<grid, block>>>(rho, out, steps, status, n, T(kTol), T(kTol), T(kDt),
                                           T(kDtMin), kMaxSteps);
    CUDA_CHECK(cudaGetLastError());
}

template <typename T>
static float time_launch(int c, int block, const T *rho, T *out, int *steps, int *status,
                         long long n, cudaEvent_t e0, cudaEvent_t e1)
{
    CUDA_CHECK(cudaEventRecord(e0));
    launch<T>(c, block, rho, out, steps, status, n);
    CUDA_CHECK(cudaEventRecord(e1));
    CUDA_CHECK(cudaEventSynchronize(e1));
    float ms = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    return ms;
}

/* One (case, precision, N): returns false when the accuracy check fails. */
template <typename T>
static bool run_case(int c, long long n, int reps, const std::vector<long long> &sample,
                     const std::vector<double> &ref)
{
    const bool single = sizeof(T) == 4;
    const char *prec = single ? "float32" : "float64";
    std::vector<T> h_rho((size_t)n);
    for (long long r = 0; r < n; ++r)
        h_rho[(size_t)r] = (T)rho_of(r, n);
    T *d_rho = NULL, *d_out = NULL;
    int *d_steps = NULL, *d_status = NULL;
    CUDA_CHECK(cudaMalloc(&d_rho, (size_t)n * sizeof(T)));
    CUDA_CHECK(cudaMalloc(&d_out, 3 * (size_t)n * sizeof(T)));
    CUDA_CHECK(cudaMalloc(&d_steps, (size_t)n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_status, (size_t)n * sizeof(int)));
    CUDA_CHECK(cudaMemcpy(d_rho, h_rho.data(), (size_t)n * sizeof(T), cudaMemcpyHostToDevice));
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));

    /* Warm-up, then the block size a hand tuner would pick: the fastest of a few. */
    launch<T>(c, 128, d_rho, d_out, d_steps, d_status, n);
    CUDA_CHECK(cudaDeviceSynchronize());
    static const int blocks[] = {64, 128, 256, 512};
    int best_block = 128;
    float best_ms = 0.0f;
    for (int b : blocks) {
        float ms = time_launch<T>(c, b, d_rho, d_out, d_steps, d_status, n, e0, e1);
        if (best_ms == 0.0f || ms < best_ms) {
            best_ms = ms;
            best_block = b;
        }
    }
    std::vector<float> times;
    for (int k = 0; k < reps; ++k)
        times.push_back(time_launch<T>(c, best_block, d_rho, d_out, d_steps, d_status, n, e0, e1));
    std::sort(times.begin(), times.end());
    const float median = times[times.size() / 2];

    std::vector<T> h_out(3 * (size_t)n);
    std::vector<int> h_steps((size_t)n, kFixedSteps), h_status((size_t)n, 0);
    CUDA_CHECK(cudaMemcpy(h_out.data(), d_out, 3 * (size_t)n * sizeof(T), cudaMemcpyDeviceToHost));
    if (c == TSIT5_ADAPTIVE) {
        CUDA_CHECK(
            cudaMemcpy(h_steps.data(), d_steps, (size_t)n * sizeof(int), cudaMemcpyDeviceToHost));
        CUDA_CHECK(
            cudaMemcpy(h_status.data(), d_status, (size_t)n * sizeof(int), cudaMemcpyDeviceToHost));
    }
    double total_steps = 0.0;
    long long failed = 0;
    for (long long r = 0; r < n; ++r) {
        total_steps += (double)h_steps[(size_t)r];
        failed += h_status[(size_t)r] != 0;
    }
    double worst = 0.0;
    for (size_t k = 0; k < sample.size(); ++k)
        for (int j = 0; j < 3; ++j) {
            double got = (double)h_out[(size_t)j * (size_t)n + (size_t)sample[k]];
            double want = ref[3 * k + (size_t)j];
            double e = std::fabs(got - want) / (std::fabs(want) + 1.0);
            if (!(e <= worst))
                worst = e; /* NaN sticks */
        }
    const bool ok = worst <= error_bound(c, single) && failed == 0;
    std::printf("hand %s %s %lld %.4f\n", kCaseNames[c], prec, n, (double)median);
    std::printf("accuracy hand %s %s %lld %.3e %.1f %lld %d %s\n", kCaseNames[c], prec, n, worst,
                total_steps / (double)n, failed, best_block, ok ? "ok" : "FAIL");
    std::fflush(stdout);
    CUDA_CHECK(cudaEventDestroy(e0));
    CUDA_CHECK(cudaEventDestroy(e1));
    CUDA_CHECK(cudaFree(d_rho));
    CUDA_CHECK(cudaFree(d_out));
    CUDA_CHECK(cudaFree(d_steps));
    CUDA_CHECK(cudaFree(d_status));
    return ok;
}

/* The kernels' integrators run on the host over kSample runs: checks the device code's logic
 * (and its step counts, comparable with batchode's CPU backend) where no GPU is present. */
template <typename T> static bool host_check(int c)
{
    const bool single = sizeof(T) == 4;
    const long long n = kSample;
    double worst = 0.0, total_steps = 0.0;
    long long failed = 0;
    for (long long r = 0; r < n; ++r) {
        T x, y, z;
        int steps = kFixedSteps, status = 0;
        const T p = (T)rho_of(r, n);
        if (c == RK4_FIXED)
            rk4_run(p, T(kDt), kFixedSteps, x, y, z);
        else if (c == TSIT5_FIXED)
            tsit5_fixed_run(p, T(kDt), kFixedSteps, x, y, z);
        else
            status = tsit5_adaptive_run(p, T(kTol), T(kTol), T(kDt), T(kDtMin), kMaxSteps, x, y, z,
                                        steps);
        double ref[3];
        reference(rho_of(r, n), ref);
        const double got[3] = {(double)x, (double)y, (double)z};
        for (int j = 0; j < 3; ++j) {
            double e = std::fabs(got[j] - ref[j]) / (std::fabs(ref[j]) + 1.0);
            if (!(e <= worst))
                worst = e;
        }
        total_steps += steps;
        failed += status != 0;
    }
    const bool ok = worst <= error_bound(c, single) && failed == 0;
    std::printf("hostcheck %s %s %lld %.3e %.1f %lld %s\n", kCaseNames[c],
                single ? "float32" : "float64", n, worst, total_steps / (double)n, failed,
                ok ? "ok" : "FAIL");
    return ok;
}

/* Steps per run of the adaptive integrator on the host over 256 runs, float32 and float64, at
 * atol = rtol from 1e-5 to 1e-8: where float32 rounding starts to drive the step count
 * (bench/RESULTS.md). The host compiler's FMA contraction changes the float32 counts at 1e-8. */
static void host_steps()
{
    const long long n = 256;
    for (double tol : {1e-5, 1e-6, 1e-7, 1e-8}) {
        double s32 = 0.0, s64 = 0.0;
        for (long long r = 0; r < n; ++r) {
            float xf, yf, zf;
            double xd, yd, zd;
            int st32 = 0, st64 = 0;
            tsit5_adaptive_run<float>((float)rho_of(r, n), (float)tol, (float)tol, (float)kDt,
                                      (float)kDtMin, kMaxSteps, xf, yf, zf, st32);
            tsit5_adaptive_run<double>(rho_of(r, n), tol, tol, kDt, kDtMin, kMaxSteps, xd, yd, zd,
                                       st64);
            s32 += st32;
            s64 += st64;
        }
        std::printf("hoststeps tol %.0e float32 %.1f float64 %.1f\n", tol, s32 / (double)n,
                    s64 / (double)n);
    }
}

int main(int argc, char **argv)
{
    Options o;
    o.log2n = parse_list("10,12,14,16,18,20,22,24");
    o.reps = 10;
    o.cases = "rk4_fixed,tsit5_fixed,tsit5_adaptive";
    o.precs = "float32,float64";
    for (int a = 1; a < argc; ++a) {
        if (a + 1 < argc && std::strcmp(argv[a], "--log2n") == 0)
            o.log2n = parse_list(argv[++a]);
        else if (a + 1 < argc && std::strcmp(argv[a], "--reps") == 0)
            o.reps = std::max(1, std::atoi(argv[++a]));
        else if (a + 1 < argc && std::strcmp(argv[a], "--cases") == 0)
            o.cases = argv[++a];
        else if (a + 1 < argc && std::strcmp(argv[a], "--precs") == 0)
            o.precs = argv[++a];
        else if (std::strcmp(argv[a], "--host-steps") == 0) {
            host_steps();
            return 0;
        } else if (std::strcmp(argv[a], "--host-check") == 0) {
            bool ok = true;
            for (int c = 0; c < NCASES; ++c) {
                ok &= host_check<float>(c);
                ok &= host_check<double>(c);
            }
            return ok ? 0 : 1;
        } else {
            std::fprintf(stderr, "usage: bench_hand [--log2n 10,12,...] [--reps R] [--cases "
                                 "rk4_fixed,tsit5_fixed,tsit5_adaptive] [--precs float32,float64]\n"
                                 "       bench_hand --host-check | --host-steps\n");
            return 2;
        }
    }
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::fprintf(stderr, "bench_hand: no CUDA device\n");
        return 77;
    }
    cudaDeviceProp prop;
    CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    std::printf("# device: %s (sm_%d%d, %d SMs)\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount);
    bool all_ok = true;
    for (long long lg : o.log2n) {
        if (lg < 1 || lg > 30)
            continue;
        const long long n = 1LL << lg;
        std::vector<long long> sample = sample_runs(n);
        std::vector<double> ref(3 * sample.size());
        for (size_t k = 0; k < sample.size(); ++k)
            reference(rho_of(sample[k], n), &ref[3 * k]);
        for (int c = 0; c < NCASES; ++c) {
            if (!listed(o.cases, kCaseNames[c]))
                continue;
            if (listed(o.precs, "float32"))
                all_ok &= run_case<float>(c, n, o.reps, sample, ref);
            if (listed(o.precs, "float64"))
                all_ok &= run_case<double>(c, n, o.reps, sample, ref);
        }
    }
    if (!all_ok)
        std::fprintf(stderr, "bench_hand: an accuracy check failed (see the FAIL lines)\n");
    return all_ok ? 0 : 1;
}
