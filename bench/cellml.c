/* CellML benchmark: the importer's speed on a large model, and the throughput of a batch of
 * an imported multi-state model through a stiff method.
 *
 * The model is generated: a strand of N Hodgkin-Huxley compartments (the equations of
 * tests/data/cellml/hodgkin_huxley.cellml) in a ring, coupled by a gap-junction conductance g_c
 * between neighbours, written the way published CellML models are: per compartment a membrane, a
 * sodium channel encapsulating its m and h gates, a potassium channel encapsulating its n
 * gate, a leak and a stimulus (the first compartment only), with interfaces, connections and
 * units; every n gate computes in volts and seconds (converted from the membrane's millivolts
 * and milliseconds). Per compartment: 4 states, 46 variables, 7 components.
 *
 *   bench_cellml import [N1,N2,...]   import time (bo_model_import_cellml) and load time
 *                                     (bo_model_load_file: import + parse), median of 5;
 *                                     default N = 10,40,160
 *   bench_cellml write PATH N         write the N-compartment model to PATH
 *   bench_cellml solve N LOG2RUNS BACKEND ALGORITHM
 *                                     2^LOG2RUNS runs sweeping g_c over [0.1, 1] mS/cm^2,
 *                                     50 ms from rest with a 10 uA/cm^2 stimulus in the first
 *                                     compartment, rtol = atol = 1e-6, float64; prints the
 *                                     median of 3 solves (warm cache) as runs/s and the
 *                                     solver's report (bo_solver_info: the registry's
 *                                     placement of every buffer)
 *
 * Output lines: "import N vars seconds_import seconds_load" and
 * "solve N states runs backend algorithm seconds runs_per_s failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batchode.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MATH "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">"

static void gate(FILE *f, int i, const char *g, const char *alpha, const char *beta, double x0,
                 int si)
{
    /* si: the gate computes in volts and seconds. */
    const char *vu = si ? "volt" : "millivolt", *tu = si ? "second" : "millisecond",
               *ru = si ? "per_second" : "per_millisecond";
    fprintf(f,
            "<component name=\"%s_gate_%d\">\n"
            "<variable name=\"%s\" units=\"dimensionless\" initial_value=\"%.5f\" "
            "public_interface=\"out\"/>\n"
            "<variable name=\"alpha\" units=\"%s\"/><variable name=\"beta\" units=\"%s\"/>\n"
            "<variable name=\"V\" units=\"%s\" public_interface=\"in\"/>\n"
            "<variable name=\"Vm\" units=\"millivolt\"/>\n"
            "<variable name=\"time\" units=\"%s\" public_interface=\"in\"/>\n" MATH
            "<apply><eq/><ci>Vm</ci><apply><times/><cn cellml:units=\"millivolt_per_%s\">%s</cn>"
            "<ci>V</ci></apply></apply>\n"
            "<apply><eq/><ci>alpha</ci><apply><times/><cn cellml:units=\"%s\">%s</cn>%s</apply>"
            "</apply>\n"
            "<apply><eq/><ci>beta</ci><apply><times/><cn cellml:units=\"%s\">%s</cn>%s</apply>"
            "</apply>\n"
            "<apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>%s</ci></apply>"
            "<apply><minus/><apply><times/><ci>alpha</ci><apply><minus/><cn "
            "cellml:units=\"dimensionless\">1</cn><ci>%s</ci></apply></apply>"
            "<apply><times/><ci>beta</ci><ci>%s</ci></apply></apply></apply>\n"
            "</math></component>\n",
            g, i, g, x0, ru, ru, vu, tu, vu, si ? "1000" : "1", ru, si ? "1000" : "1", alpha, ru,
            si ? "1000" : "1", beta, g, g, g);
}

/* Rate expressions of Vm (millivolts), per millisecond. */
#define LIN(k, c, s)                                                                               \
    "<apply><divide/><apply><times/><cn cellml:units=\"dimensionless\">" k                         \
    "</cn><apply><plus/><ci>Vm</ci><cn cellml:units=\"millivolt\">" c "</cn></apply></apply>"      \
    "<apply><minus/><cn cellml:units=\"dimensionless\">1</cn><apply><exp/><apply><divide/>"        \
    "<apply><minus/><apply><plus/><ci>Vm</ci><cn cellml:units=\"millivolt\">" c                    \
    "</cn></apply></apply><cn cellml:units=\"millivolt\">" s "</cn></apply></apply></apply>"       \
    "</apply>"
#define EXPR(k, c, s)                                                                              \
    "<apply><times/><cn cellml:units=\"dimensionless\">" k "</cn><apply><exp/><apply><divide/>"    \
    "<apply><minus/><apply><plus/><ci>Vm</ci><cn cellml:units=\"millivolt\">" c                    \
    "</cn></apply></apply><cn cellml:units=\"millivolt\">" s "</cn></apply></apply></apply>"
#define SIGM(c, s)                                                                                 \
    "<apply><divide/><cn cellml:units=\"dimensionless\">1</cn><apply><plus/><cn "                  \
    "cellml:units=\"dimensionless\">1</cn><apply><exp/><apply><divide/><apply><minus/><apply>"     \
    "<plus/><ci>Vm</ci><cn cellml:units=\"millivolt\">" c "</cn></apply></apply><cn "              \
    "cellml:units=\"millivolt\">" s "</cn></apply></apply></apply></apply>"

static void conn(FILE *f, const char *a, int ia, const char *b, int ib, const char *pairs)
{
    fprintf(f, "<connection><map_components component_1=\"%s_%d\" component_2=\"%s_%d\"/>", a, ia,
            b, ib);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", pairs);
    char *save = NULL;
    for (char *p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(p, '=');
        *eq = '\0';
        fprintf(f, "<map_variables variable_1=\"%s\" variable_2=\"%s\"/>", p, eq + 1);
    }
    fputs("</connection>\n", f);
}

/* Write the N-compartment strand to path. */
static int write_model(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<model xmlns=\"http://www.cellml.org/cellml/1.0#\" "
            "xmlns:cellml=\"http://www.cellml.org/cellml/1.0#\" name=\"hh_strand_%d\">\n"
            "<units name=\"millisecond\"><unit prefix=\"milli\" units=\"second\"/></units>\n"
            "<units name=\"per_millisecond\"><unit prefix=\"milli\" units=\"second\" "
            "exponent=\"-1\"/></units>\n"
            "<units name=\"per_second\"><unit units=\"second\" exponent=\"-1\"/></units>\n"
            "<units name=\"millivolt\"><unit prefix=\"milli\" units=\"volt\"/></units>\n"
            "<units name=\"millivolt_per_volt\"><unit units=\"millivolt\"/><unit units=\"volt\" "
            "exponent=\"-1\"/></units>\n"
            "<units name=\"millivolt_per_millivolt\"><unit units=\"dimensionless\"/></units>\n"
            "<units name=\"mS_per_cm2\"><unit prefix=\"milli\" units=\"siemens\"/><unit "
            "prefix=\"centi\" units=\"metre\" exponent=\"-2\"/></units>\n"
            "<units name=\"uF_per_cm2\"><unit prefix=\"micro\" units=\"farad\"/><unit "
            "prefix=\"centi\" units=\"metre\" exponent=\"-2\"/></units>\n"
            "<units name=\"uA_per_cm2\"><unit prefix=\"micro\" units=\"ampere\"/><unit "
            "prefix=\"centi\" units=\"metre\" exponent=\"-2\"/></units>\n"
            "<component name=\"environment_0\"><variable name=\"time\" units=\"millisecond\" "
            "public_interface=\"out\"/>\n"
            "<variable name=\"g_c\" units=\"mS_per_cm2\" initial_value=\"0.5\" "
            "public_interface=\"out\"/></component>\n",
            n);
    for (int i = 0; i < n; ++i) {
        /* Membrane: dV/dt = (i_stim - i_Na - i_K - i_L + i_gap)/Cm. */
        fprintf(f,
                "<component name=\"membrane_%d\">\n"
                "<variable name=\"V\" units=\"millivolt\" initial_value=\"-65\" "
                "public_interface=\"out\"/>\n"
                "<variable name=\"Cm\" units=\"uF_per_cm2\" initial_value=\"1\"/>\n"
                "<variable name=\"time\" units=\"millisecond\" public_interface=\"in\"/>\n"
                "<variable name=\"g_c\" units=\"mS_per_cm2\" public_interface=\"in\"/>\n"
                "<variable name=\"V_left\" units=\"millivolt\" public_interface=\"in\"/>\n"
                "<variable name=\"V_right\" units=\"millivolt\" public_interface=\"in\"/>\n"
                "<variable name=\"i_gap\" units=\"uA_per_cm2\"/>\n"
                "<variable name=\"i_stim\" units=\"uA_per_cm2\" %s/>\n"
                "<variable name=\"i_Na\" units=\"uA_per_cm2\" public_interface=\"in\"/>\n"
                "<variable name=\"i_K\" units=\"uA_per_cm2\" public_interface=\"in\"/>\n"
                "<variable name=\"i_L\" units=\"uA_per_cm2\" public_interface=\"in\"/>\n" MATH
                "<apply><eq/><ci>i_gap</ci><apply><times/><ci>g_c</ci><apply><minus/><apply>"
                "<plus/><ci>V_left</ci><ci>V_right</ci></apply><apply><times/><cn "
                "cellml:units=\"dimensionless\">2</cn><ci>V</ci></apply></apply></apply></apply>\n"
                "%s"
                "<apply><eq/><apply><diff/><bvar><ci>time</ci></bvar><ci>V</ci></apply>"
                "<apply><divide/><apply><plus/><apply><minus/><ci>i_stim</ci><ci>i_Na</ci><"
                "/apply><apply><minus/><ci>i_gap</ci><apply><plus/><ci>i_K</ci><ci>i_L</ci>"
                "</apply></apply></apply><ci>Cm</ci></apply></apply>\n</math></component>\n",
                i, i == 0 ? "" : "initial_value=\"0\"",
                i == 0 ? "<apply><eq/><ci>i_stim</ci><piecewise><piece><cn "
                         "cellml:units=\"uA_per_cm2\">10</cn><apply><and/><apply><geq/>"
                         "<ci>time</ci><cn cellml:units=\"millisecond\">5</cn></apply><apply>"
                         "<lt/><ci>time</ci><cn cellml:units=\"millisecond\">6</cn></apply>"
                         "</apply></piece><otherwise><cn cellml:units=\"uA_per_cm2\">0</cn>"
                         "</otherwise></piecewise></apply>\n"
                       : "");
        /* Neighbours' voltages: the ends see themselves (no flux). */
        fprintf(f,
                "<component name=\"sodium_%d\">\n"
                "<variable name=\"i_Na\" units=\"uA_per_cm2\" public_interface=\"out\"/>\n"
                "<variable name=\"g_Na\" units=\"mS_per_cm2\" initial_value=\"120\"/>\n"
                "<variable name=\"E_Na\" units=\"millivolt\" initial_value=\"50\"/>\n"
                "<variable name=\"V\" units=\"millivolt\" public_interface=\"in\" "
                "private_interface=\"out\"/>\n"
                "<variable name=\"time\" units=\"millisecond\" public_interface=\"in\" "
                "private_interface=\"out\"/>\n"
                "<variable name=\"m\" units=\"dimensionless\" private_interface=\"in\"/>\n"
                "<variable name=\"h\" units=\"dimensionless\" private_interface=\"in\"/>\n" MATH
                "<apply><eq/><ci>i_Na</ci><apply><times/><ci>g_Na</ci><apply><power/><ci>m</ci>"
                "<cn cellml:units=\"dimensionless\">3</cn></apply><ci>h</ci><apply><minus/>"
                "<ci>V</ci><ci>E_Na</ci></apply></apply></apply>\n</math></component>\n",
                i);
        gate(f, i, "m", LIN("0.1", "40", "10"), EXPR("4", "65", "18"), 0.05293, 0);
        gate(f, i, "h", EXPR("0.07", "65", "20"), SIGM("35", "10"), 0.59612, 0);
        fprintf(f,
                "<component name=\"potassium_%d\">\n"
                "<variable name=\"i_K\" units=\"uA_per_cm2\" public_interface=\"out\"/>\n"
                "<variable name=\"g_K\" units=\"mS_per_cm2\" initial_value=\"36\"/>\n"
                "<variable name=\"E_K\" units=\"millivolt\" initial_value=\"-77\"/>\n"
                "<variable name=\"V\" units=\"millivolt\" public_interface=\"in\" "
                "private_interface=\"out\"/>\n"
                "<variable name=\"time\" units=\"millisecond\" public_interface=\"in\" "
                "private_interface=\"out\"/>\n"
                "<variable name=\"n\" units=\"dimensionless\" private_interface=\"in\"/>\n" MATH
                "<apply><eq/><ci>i_K</ci><apply><times/><ci>g_K</ci><apply><power/><ci>n</ci>"
                "<cn cellml:units=\"dimensionless\">4</cn></apply><apply><minus/><ci>V</ci>"
                "<ci>E_K</ci></apply></apply></apply>\n</math></component>\n",
                i);
        gate(f, i, "n", LIN("0.01", "55", "10"), EXPR("0.125", "65", "80"), 0.31768, 1);
        fprintf(f,
                "<component name=\"leak_%d\">\n"
                "<variable name=\"i_L\" units=\"uA_per_cm2\" public_interface=\"out\"/>\n"
                "<variable name=\"g_L\" units=\"mS_per_cm2\" initial_value=\"0.3\"/>\n"
                "<variable name=\"E_L\" units=\"millivolt\" initial_value=\"-54.387\"/>\n"
                "<variable name=\"V\" units=\"millivolt\" public_interface=\"in\"/>\n" MATH
                "<apply><eq/><ci>i_L</ci><apply><times/><ci>g_L</ci><apply><minus/><ci>V</ci>"
                "<ci>E_L</ci></apply></apply></apply>\n</math></component>\n",
                i);
    }
    fputs("<group><relationship_ref relationship=\"encapsulation\"/>\n", f);
    for (int i = 0; i < n; ++i)
        fprintf(f,
                "<component_ref component=\"sodium_%d\"><component_ref component=\"m_gate_%d\"/>"
                "<component_ref component=\"h_gate_%d\"/></component_ref>\n"
                "<component_ref component=\"potassium_%d\"><component_ref "
                "component=\"n_gate_%d\"/></component_ref>\n",
                i, i, i, i, i);
    fputs("</group>\n", f);
    for (int i = 0; i < n; ++i) {
        conn(f, "environment", 0, "membrane", i, "time=time g_c=g_c");
        conn(f, "environment", 0, "sodium", i, "time=time");
        conn(f, "environment", 0, "potassium", i, "time=time");
        conn(f, "membrane", i, "sodium", i, "V=V i_Na=i_Na");
        conn(f, "membrane", i, "potassium", i, "V=V i_K=i_K");
        conn(f, "membrane", i, "leak", i, "V=V i_L=i_L");
        conn(f, "sodium", i, "m_gate", i, "V=V time=time m=m");
        conn(f, "sodium", i, "h_gate", i, "V=V time=time h=h");
        conn(f, "potassium", i, "n_gate", i, "V=V time=time n=n");
    }
    /* A ring: V_right of i is V of i+1, whose V_left is V of i. */
    for (int i = 0; i < n; ++i)
        conn(f, "membrane", i, "membrane", (i + 1) % n, "V_right=V V=V_left");
    fputs("</model>\n", f);
    return fclose(f);
}

static int import_bench(const char *list)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    bo_context *ctx = NULL;
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_cellml_%ld.cellml", (long)getpid());
    int rc = 0;
    for (char *tok = strtok(buf, ","); tok && !rc; tok = strtok(NULL, ",")) {
        int n = atoi(tok);
        if (n < 2 || write_model(path, n) != 0) {
            fprintf(stderr, "bench_cellml: cannot write the %d-compartment model\n", n);
            rc = 1;
            break;
        }
        double ti[5], tl[5];
        size_t vars = 0;
        for (int r = 0; r < 5 && !rc; ++r) {
            char *text = NULL;
            bo_model *m = NULL;
            double t0 = now();
            rc |= bo_model_import_cellml(ctx, path, &text) != BO_OK;
            double t1 = now();
            rc |= bo_model_load_file(ctx, path, &m) != BO_OK;
            double t2 = now();
            ti[r] = t1 - t0;
            tl[r] = t2 - t1;
            if (rc)
                fprintf(stderr, "bench_cellml: %s\n", bo_errmsg(ctx));
            vars = 0;
            for (int k = 0; m && k < BO_SYMBOL_KIND_COUNT; ++k)
                vars += bo_model_count(m, (bo_symbol_kind)k);
            bo_free(text);
            bo_model_destroy(m);
        }
        if (rc)
            break;
        qsort(ti, 5, sizeof ti[0], cmp_double);
        qsort(tl, 5, sizeof tl[0], cmp_double);
        printf("import %d %zu %.6f %.6f\n", n, vars, ti[2], tl[2]);
        fflush(stdout);
    }
    remove(path);
    bo_context_destroy(ctx);
    return rc;
}

static int solve_bench(int n, int log2runs, const char *backend, const char *algorithm)
{
    bo_context *ctx = NULL;
    bo_model *m = NULL;
    bo_batch *b = NULL;
    bo_settings *s = NULL;
    bo_solver *sv = NULL;
    bo_results *r = NULL;
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_cellml_%ld.cellml", (long)getpid());
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    size_t runs = (size_t)1 << log2runs;
    double *gc = malloc(runs * sizeof *gc);
    int rc = gc && write_model(path, n) == 0 ? BO_OK : BO_ERR_IO;
    for (size_t i = 0; gc && i < runs; ++i)
        gc[i] = 0.1 + 0.9 * (double)i / (double)(runs > 1 ? runs - 1 : 1);
    if (rc == BO_OK)
        rc = bo_model_load_file(ctx, path, &m);
    if (rc == BO_OK)
        rc = bo_batch_create(ctx, m, &b);
    if (rc == BO_OK)
        rc = bo_batch_set_values(b, BO_PARAMETER, "environment_0.g_c", gc, runs);
    if (rc == BO_OK)
        rc = bo_settings_create(ctx, &s);
    const char *kv[][2] = {{"backend", backend}, {"algorithm", algorithm},
                           {"rtol", "1e-6"},     {"atol", "1e-6"},
                           {"duration", "50"},   {"precision", "float64"}};
    for (size_t i = 0; rc == BO_OK && i < sizeof kv / sizeof kv[0]; ++i)
        rc = bo_settings_set(s, kv[i][0], kv[i][1]);
    if (rc == BO_OK)
        rc = bo_solver_create(ctx, m, s, &sv);
    double t[3] = {0, 0, 0};
    for (int rep = 0; rc == BO_OK && rep < 3; ++rep) {
        double t0 = now();
        rc = bo_solver_solve_into(sv, b, &r);
        t[rep] = now() - t0;
    }
    if (rc == BO_OK) {
        qsort(t, 3, sizeof t[0], cmp_double);
        printf("solve %d %zu %zu %s %s %.4f %.4e %zu\n", n, bo_model_count(m, BO_STATE), runs,
               backend, algorithm, t[1], (double)runs / t[1], bo_results_failed_count(r));
        char *info = NULL;
        if (bo_solver_info(sv, &info) == BO_OK)
            printf("%s\n", info);
        bo_free(info);
    } else {
        fprintf(stderr, "bench_cellml: %s: %s\n", bo_status_name(rc), bo_errmsg(ctx));
    }
    bo_results_destroy(r);
    bo_solver_destroy(sv);
    bo_settings_destroy(s);
    bo_batch_destroy(b);
    bo_model_destroy(m);
    bo_context_destroy(ctx);
    free(gc);
    remove(path);
    return rc == BO_OK ? 0 : (rc == BO_ERR_BACKEND || rc == BO_ERR_DEVICE ? 77 : 1);
}

int main(int argc, char **argv)
{
    if (!bo_cellml_supported()) {
        fprintf(stderr, "bench_cellml: built without libxml2 (CellML import)\n");
        return 77;
    }
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return import_bench(argc >= 3 ? argv[2] : "10,40,160");
    if (argc >= 6 && strcmp(argv[1], "solve") == 0)
        return solve_bench(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5]);
    if (argc >= 3 && strcmp(argv[1], "write") == 0)
        return write_model(argv[2], argc >= 4 ? atoi(argv[3]) : 8) == 0 ? 0 : 1;
    fprintf(stderr, "usage: bench_cellml import [N1,N2,...] | solve N LOG2RUNS BACKEND "
                    "ALGORITHM | write PATH N\n");
    return 2;
}
