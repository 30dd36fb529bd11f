/* `batchode solve` with per-run time spans (docs/batches.md) on exponential decay, whose exact
 * solution y = y0 exp(-k (t - t0)) depends only on the elapsed time: --span grids
 * (combinatorial and verbatim), t0/settling/duration columns of a --runs file, the span
 * columns of final.csv and the stdout table, each run's own save times in series.csv, NaN
 * saves past a shorter run's end, and the errors: an unknown span, bad values (with
 * file:line:col), an ambiguous column, a run whose span does not fit the save interval. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "harness.h"

static const char decay_model[] = "model decay\n"
                                  "param k = 1.5\n"
                                  "state y = 2.385\n"
                                  "dy/dt = -k*y\n";

/* Row r (0-based, below the header) of a CSV text, as numbers; the count of fields. */
static size_t row_values(const char *text, size_t r, double *v, size_t max)
{
    const char *p = text ? strchr(text, '\n') : NULL;
    for (size_t i = 0; p && i < r; ++i)
        p = strchr(p + 1, '\n');
    if (!p)
        return 0;
    ++p;
    size_t n = 0;
    while (*p && *p != '\n' && n < max) {
        char *end;
        v[n++] = strtod(p, &end);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void test_grid(void)
{
    double v[16];
    /* Combinatorial: 2 k x 3 durations x 2 starts; the last given varies fastest. */
    T_EQ_INT(run("solve decay.ode --param k=0.5,2 --span duration=0.5:1.5:3 --span t0=0,10 -q "
                 "--rtol 1e-10 --atol 1e-12"),
             0);
    T_CONTAINS(out_text, "run,status,t,t0,settling,duration,k,y_0,y\n");
    for (size_t r = 0; r < 12; ++r) {
        T_EQ_INT(row_values(out_text, r, v, 16), 9);
        double k = r < 6 ? 0.5 : 2.0, d = 0.5 + 0.5 * (double)((r / 2) % 3);
        double t0 = r % 2 ? 10.0 : 0.0;
        T_CHECK(v[3] == t0 && v[4] == 0.0 && v[5] == d && v[6] == k);
        T_REL(v[2], t0 + d, 1e-15);
        T_REL(v[8], 2.385 * exp(-k * d), 1e-7);
    }
    /* Verbatim: lists paired, a single value broadcast; settling counts toward the end. */
    T_EQ_INT(run("solve decay.ode --grid verbatim --param k=0.5,1,2 --span duration=1,2,0.25 "
                 "--span settling=0.5 -q --rtol 1e-10 --atol 1e-12"),
             0);
    static const double k3[] = {0.5, 1.0, 2.0}, d3[] = {1.0, 2.0, 0.25};
    for (size_t r = 0; r < 3; ++r) {
        T_EQ_INT(row_values(out_text, r, v, 16), 9);
        T_CHECK(v[4] == 0.5 && v[5] == d3[r]);
        T_REL(v[8], 2.385 * exp(-k3[r] * (0.5 + d3[r])), 1e-7);
    }
    /* The uniform case keeps the plain columns. */
    T_EQ_INT(run("solve decay.ode --param k=0.5,2 -q"), 0);
    T_CONTAINS(out_text, "run,status,t,k,y_0,y\n");
}

static void test_runs_file(void)
{
    double v[16];
    write_file("spans.csv", "k,t0,duration\n1,0,1\n1,2,3\n");
    T_EQ_INT(run("solve decay.ode --runs spans.csv -q --save-every 1 --rtol 1e-10 --atol 1e-12 "
                 "-o sp"),
             0);
    char *final = read_in_dir("sp/final.csv", NULL);
    T_CONTAINS(final, "run,status,t,t0,settling,duration,k,y_0,y\n");
    T_EQ_INT(row_values(final, 1, v, 16), 9);
    T_CHECK(v[2] == 5.0 && v[3] == 2.0 && v[5] == 3.0);
    T_REL(v[8], 2.385 * exp(-3.0), 1e-7);
    free(final);
    /* series.csv: the longest run (3) sets 4 saves; run 0's saves after its end (t = 1) are
     * nan; run 1's times are its own, from t0 = 2. */
    char *series = read_in_dir("sp/series.csv", NULL);
    T_CONTAINS(series, "run,k,t,y\n0,1,0,2.385\n");
    T_CONTAINS(series, "\n0,1,2,nan\n0,1,3,nan\n1,1,2,2.385\n");
    T_EQ_INT(row_values(series, 7, v, 16), 4);
    T_CHECK(v[0] == 1.0 && v[2] == 5.0);
    T_REL(v[3], 2.385 * exp(-3.0), 1e-7);
    free(series);
    /* npy: spans.npy, and the legend says times are each run's own. */
    T_EQ_INT(run("solve decay.ode --runs spans.csv -q --save-every 1 -o spn --format npy"), 0);
    char *legend = read_in_dir("spn/legend.json", NULL);
    T_CONTAINS(legend, "\"time_origin\": \"run\"");
    T_CONTAINS(legend, "\"spans.npy\": {\"dtype\": \"<f8\", \"shape\": [3, 2]");
    free(legend);
}

static void test_errors(void)
{
    T_EQ_INT(run("solve decay.ode --span start=1 -q"), 2);
    T_CONTAINS(err_text, "unknown span 'start' (spans: t0, settling, duration");
    T_EQ_INT(run("solve decay.ode --span duration -q"), 2);
    T_CONTAINS(err_text, "expected NAME=SPEC");
    T_EQ_INT(run("solve decay.ode --span duration=0,1 -q"), 2);
    T_CONTAINS(err_text, "value 0 for span 'duration' (0) is not positive");
    T_EQ_INT(run("solve decay.ode --span settling=-1 -q"), 2);
    T_CONTAINS(err_text, "settling must be >= 0");
    T_EQ_INT(run("solve decay.ode --param duration=1 -q"), 2); /* not a span: a parameter */
    T_CONTAINS(err_text, "unknown parameter 'duration'");
    write_file("bad.csv", "k,duration\n1,1\n1,-2\n");
    T_EQ_INT(run("solve decay.ode --runs bad.csv -q"), 1);
    T_CONTAINS(err_text, "bad.csv:3:3: duration '-2' is not positive");
    write_file("nan.csv", "t0,k\nnan,1\n");
    T_EQ_INT(run("solve decay.ode --runs nan.csv -q"), 1);
    T_CONTAINS(err_text, "nan.csv:2:1:");
    /* A model with a parameter named duration: the plain column is ambiguous. */
    write_file("amb.ode", "param duration = 1\nstate y = 1\ndy/dt = -duration*y\n");
    write_file("amb.csv", "duration\n2\n");
    T_EQ_INT(run("solve amb.ode --runs amb.csv -q"), 1);
    T_CONTAINS(err_text, "amb.csv:1:1: column 'duration' is ambiguous");
    write_file("amb2.csv", "span.duration,parameter.duration\n2,0.5\n");
    T_EQ_INT(run("solve amb.ode --runs amb2.csv -q --rtol 1e-10 --atol 1e-12"), 0);
    T_CONTAINS(out_text, "run,status,t,t0,settling,span.duration,duration,y_0,y\n");
    double v[16];
    T_EQ_INT(row_values(out_text, 0, v, 16), 9);
    T_REL(v[8], exp(-1.0), 1e-7);
    /* A run too short for the save interval, named. */
    T_EQ_INT(run("solve decay.ode --span duration=2,0.25 --save-every 0.5 -q"), 2);
    T_CONTAINS(err_text, "run 1 (t0 = 0, settling = 0, duration = 0.25): save_every (0.5)");
}

int main(void)
{
    if (cli_setup("/tmp/bo_cli_spans_XXXXXX") != 0)
        T_SKIP("cannot create a temp dir");
    write_file("decay.ode", decay_model);
    test_grid();
    test_runs_file();
    test_errors();
    cli_cleanup();
    T_DONE();
}
