/* The model language on invalid input: every class of error gives its own message with the
 * exact line and column, the source line and a caret, and the right status code; garbage
 * input of 10 MB fails cleanly within a second. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "util/internal.h"
#include "model/model_internal.h"

static bo_context *ctx;

/* Parse text and expect failure with code and exactly the message want. */
static void expect_at(int line, const char *text, int code, const char *want)
{
    bo_model *m = (bo_model *)&m; /* must be reset to NULL */
    int rc = md_parse(ctx, text, strlen(text), "model.ode", &m);
    T_CHECKF(rc == code, "line %d: rc %d (%s) want %d", line, rc, bo_status_name(rc), code);
    T_CHECKF(m == NULL, "line %d: model not NULL", line);
    T_CHECKF(strcmp(bo_errmsg(ctx), want) == 0, "line %d:\n--- got:\n%s\n--- want:\n%s", line,
             bo_errmsg(ctx), want);
    if (rc == BO_OK)
        bo_model_destroy(m);
}
#define EXPECT(text, code, want) expect_at(__LINE__, text, code, want)

static void test_spec_example(void)
{
    /* The example of the language reference: an unknown symbol with a suggestion. */
    EXPECT("model lorenz\n"
           "const beta = 8/3\n"
           "param sigma = 10, rho = 28\n"
           "state x = 1, y = 0, z = 0\n"
           "\n"
           "# equations, indented\n"
           "     dx/dt = sigmma*(y - x)\n"
           "dy/dt = x*(rho - z) - y\n"
           "dz/dt = x*y - beta*z\n",
           BO_ERR_MODEL,
           "model.ode:7:14: unknown symbol 'sigmma' (did you mean 'sigma'?)\n"
           "         dx/dt = sigmma*(y - x)\n"
           "                 ^");
    EXPECT("state x = 1\ndx/dt = -x*rate\n", BO_ERR_MODEL,
           "model.ode:2:12: unknown symbol 'rate'\n"
           "    dx/dt = -x*rate\n"
           "               ^");
    /* A tab in the line keeps the caret aligned. */
    EXPECT("state x = 1\n\tdx/dt = tt\n", BO_ERR_MODEL,
           "model.ode:2:10: unknown symbol 'tt' (did you mean 't'?)\n"
           "    \tdx/dt = tt\n"
           "    \t        ^");
}

static void test_syntax(void)
{
    EXPECT("state x = 1\ndx/dt = x * * 2\n", BO_ERR_PARSE,
           "model.ode:2:13: expected an expression but found '*'\n"
           "    dx/dt = x * * 2\n"
           "                ^");
    EXPECT("state x = 1\ndx/dt = \n", BO_ERR_PARSE,
           "model.ode:2:9: expected an expression but found end of line\n"
           "    dx/dt = \n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = x y\n", BO_ERR_PARSE,
           "model.ode:2:11: expected an operator or end of line but found 'y'\n"
           "    dx/dt = x y\n"
           "              ^");
    EXPECT("param a = 1 b = 2\n", BO_ERR_PARSE,
           "model.ode:1:13: expected an operator, ',' or end of line but found 'b'\n"
           "    param a = 1 b = 2\n"
           "                ^");
    EXPECT("5 = x\n", BO_ERR_PARSE,
           "model.ode:1:1: expected a declaration or an equation but found '5'\n"
           "    5 = x\n"
           "    ^");
    EXPECT("state = 1\n", BO_ERR_MODEL,
           "model.ode:1:1: 'state' is reserved\n"
           "    state = 1\n"
           "    ^");
    EXPECT("state 1\n", BO_ERR_PARSE,
           "model.ode:1:7: expected a name but found '1'\n"
           "    state 1\n"
           "          ^");
    /* Missing ')': at the end of the line, naming the '('. */
    EXPECT("state x = 1, y = 2\ndx/dt = sigma*(y - x\n", BO_ERR_PARSE,
           "model.ode:2:21: missing ')' for the '(' at column 15\n"
           "    dx/dt = sigma*(y - x\n"
           "                        ^");
    EXPECT("state x = 1\ndx/dt = sin(x\r\n", BO_ERR_PARSE,
           "model.ode:2:14: missing ')' for the '(' at column 12\n"
           "    dx/dt = sin(x\n"
           "                 ^");
    EXPECT("state x = 1\ndx/dt = (x \\\n + 1\n", BO_ERR_PARSE,
           "model.ode:3:5: missing ')' for the '(' at line 2, column 9\n"
           "     + 1\n"
           "        ^");
    EXPECT("state x = 1\ndx/dt = (x 2)\n", BO_ERR_PARSE,
           "model.ode:2:12: expected ')' but found '2'\n"
           "    dx/dt = (x 2)\n"
           "               ^");
    EXPECT("state x = 1\ndx/dt = x)\n", BO_ERR_PARSE,
           "model.ode:2:10: unmatched ')'\n"
           "    dx/dt = x)\n"
           "             ^");
    EXPECT("state x = 1\ndx/dt = max(x 1)\n", BO_ERR_PARSE,
           "model.ode:2:15: expected ',' or ')' but found '1'\n"
           "    dx/dt = max(x 1)\n"
           "                  ^");
    /* Bad numbers. */
    EXPECT("state x = 1.2.3\n", BO_ERR_PARSE,
           "model.ode:1:11: bad number '1.2.3'\n"
           "    state x = 1.2.3\n"
           "              ^");
    EXPECT("const a = 2 * 1e+\n", BO_ERR_PARSE,
           "model.ode:1:15: bad number '1e+'\n"
           "    const a = 2 * 1e+\n"
           "                  ^");
    EXPECT("const a = 12abc\n", BO_ERR_PARSE,
           "model.ode:1:11: bad number '12abc'\n"
           "    const a = 12abc\n"
           "              ^");
    EXPECT("const a = 0x1F\n", BO_ERR_PARSE,
           "model.ode:1:11: bad number '0x1F'\n"
           "    const a = 0x1F\n"
           "              ^");
    EXPECT("const a = 1e999\n", BO_ERR_PARSE,
           "model.ode:1:11: number '1e999' is too large\n"
           "    const a = 1e999\n"
           "              ^");
    /* Stray characters. */
    EXPECT("state x = 1\ndx/dt = x $ 2\n", BO_ERR_PARSE,
           "model.ode:2:11: unexpected character '$'\n"
           "    dx/dt = x $ 2\n"
           "              ^");
    EXPECT("state x = 1\ndx/dt = x & 2\n", BO_ERR_PARSE,
           "model.ode:2:11: unexpected '&' (did you mean '&&' or '||'?)\n"
           "    dx/dt = x & 2\n"
           "              ^");
    EXPECT("state x = 1\ndx/dt = x\x01\n", BO_ERR_PARSE,
           "model.ode:2:10: unexpected character byte 0x01\n"
           "    dx/dt = x?\n"
           "             ^");
    EXPECT("state x = 1 \\ 2\n", BO_ERR_PARSE,
           "model.ode:1:13: stray '\\': a continuation '\\' must be the last thing on its line\n"
           "    state x = 1 \\ 2\n"
           "                ^");
    /* Missing '='. */
    EXPECT("state x 1\n", BO_ERR_PARSE,
           "model.ode:1:9: expected '=' after 'x'\n"
           "    state x 1\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt -x\n", BO_ERR_PARSE,
           "model.ode:2:7: expected '=' after 'dx/dt'\n"
           "    dx/dt -x\n"
           "          ^");
    EXPECT("state x = 1\nx' -x\n", BO_ERR_PARSE,
           "model.ode:2:4: expected '=' after 'x''\n"
           "    x' -x\n"
           "       ^");
    EXPECT("state x = 1\nfoo bar\n", BO_ERR_PARSE,
           "model.ode:2:5: expected '=' after 'foo'\n"
           "    foo bar\n"
           "        ^");
    EXPECT("state x = 1\ndx/dy = 1\n", BO_ERR_PARSE,
           "model.ode:2:4: expected 'dt' after 'dx/' but found 'dy'\n"
           "    dx/dy = 1\n"
           "       ^");
    /* Other syntax. */
    EXPECT("state x = 1\ndx/dt = 0 < x < 1\n", BO_ERR_PARSE,
           "model.ode:2:15: comparisons cannot be chained; combine them with '&&' or '||'\n"
           "    dx/dt = 0 < x < 1\n"
           "                  ^");
    EXPECT("state x = 1\ndx/dt = x > 0 ? 1 2\n", BO_ERR_PARSE,
           "model.ode:2:19: expected ':' of the '?' at column 15 but found '2'\n"
           "    dx/dt = x > 0 ? 1 2\n"
           "                      ^");
    EXPECT("model a b\n", BO_ERR_PARSE,
           "model.ode:1:9: expected an operator or end of line but found 'b'\n"
           "    model a b\n"
           "            ^");
    EXPECT("model\n", BO_ERR_PARSE,
           "model.ode:1:6: expected the model's name after 'model' but found end of line\n"
           "    model\n"
           "         ^");
    EXPECT("model a\nmodel b\n", BO_ERR_MODEL,
           "model.ode:2:7: the model's name is given twice (first at line 1)\n"
           "    model b\n"
           "          ^");
    /* Nesting is capped, so deep input cannot exhaust the stack. */
    char deep[2000];
    strcpy(deep, "state x = 1\ndx/dt = ");
    size_t n = strlen(deep);
    for (int i = 0; i < 300; ++i)
        deep[n++] = '(';
    strcpy(deep + n, "x\n");
    bo_model *m = NULL;
    T_EQ_INT(md_parse(ctx, deep, strlen(deep), "model.ode", &m), BO_ERR_PARSE);
    T_CONTAINS(bo_errmsg(ctx), "model.ode:2:265: expression is nested too deeply (more than 256 "
                               "levels)\n    ...((((");
    T_CHECK(m == NULL);
}

static void test_units(void)
{
    EXPECT("state x = 1 [m/]\n", BO_ERR_PARSE,
           "model.ode:1:16: bad unit: expected a unit name, a number or '(' but found ']'\n"
           "    state x = 1 [m/]\n"
           "                   ^");
    EXPECT("state x = 1 []\n", BO_ERR_PARSE,
           "model.ode:1:13: bad unit: empty unit\n"
           "    state x = 1 []\n"
           "                ^");
    EXPECT("state x = 1 [m\nx' = 0\n", BO_ERR_PARSE,
           "model.ode:1:13: bad unit: missing ']' for this '['\n"
           "    state x = 1 [m\n"
           "                ^");
    EXPECT("state x = 1 [m^x]\n", BO_ERR_PARSE,
           "model.ode:1:16: bad unit: expected an integer exponent but found 'x'\n"
           "    state x = 1 [m^x]\n"
           "                   ^");
    EXPECT("state x = 1 [m)]\n", BO_ERR_PARSE,
           "model.ode:1:15: bad unit: expected '*', '/' or ']' but found ')'\n"
           "    state x = 1 [m)]\n"
           "                  ^");
    EXPECT("state x = 1 [(m/s]\n", BO_ERR_PARSE,
           "model.ode:1:14: bad unit: missing ')' for this '('\n"
           "    state x = 1 [(m/s]\n"
           "                 ^");
    EXPECT("state x = 1 [m-s]\n", BO_ERR_PARSE,
           "model.ode:1:15: bad unit: expected '*', '/' or ']' but found '-'\n"
           "    state x = 1 [m-s]\n"
           "                  ^");
    EXPECT("state x [m] = 1 [s]\n", BO_ERR_PARSE,
           "model.ode:1:17: the unit of 'x' is given twice\n"
           "    state x [m] = 1 [s]\n"
           "                    ^");
}

/* Events: syntax and model errors, and what a good one becomes. */
static void test_events(void)
{
#define X "state x = 1, v = 0\ndx/dt = v\ndv/dt = -x\n"
    EXPECT(X "event\n", BO_ERR_PARSE,
           "model.ode:4:6: expected the event's name after 'event' but found end of line\n"
           "    event\n"
           "         ^");
    EXPECT(X "event e x > 0\n", BO_ERR_PARSE,
           "model.ode:4:9: expected 'when' and the event function after the event's name but "
           "found 'x'\n"
           "    event e x > 0\n"
           "            ^");
    EXPECT(X "event e when x up\n", BO_ERR_PARSE,
           "model.ode:4:16: expected an operator, 'rising', 'falling', 'then', 'stop' or end of "
           "line but found 'up'\n"
           "    event e when x up\n"
           "                   ^");
    EXPECT(X "event e when x rising then v = -v x\n", BO_ERR_PARSE,
           "model.ode:4:35: expected an operator, ',', 'stop' or end of line but found 'x'\n"
           "    event e when x rising then v = -v x\n"
           "                                      ^");
    EXPECT(X "event e when x then 1 = 2\n", BO_ERR_PARSE,
           "model.ode:4:21: expected a state to assign but found '1'\n"
           "    event e when x then 1 = 2\n"
           "                        ^");
    EXPECT(X "event e when x then v 2\n", BO_ERR_PARSE,
           "model.ode:4:23: expected '=' after 'v'\n"
           "    event e when x then v 2\n"
           "                          ^");
    EXPECT(X "event e when x stop\nevent e when v\n", BO_ERR_MODEL,
           "model.ode:5:7: duplicate event name 'e' (already declared at line 4)\n"
           "    event e when v\n"
           "          ^");
    EXPECT(X "param k = 1\nevent e when x then k = 2\n", BO_ERR_MODEL,
           "model.ode:5:21: event 'e' assigns 'k', which is a parameter, not a state\n"
           "    event e when x then k = 2\n"
           "                        ^");
    EXPECT(X "event e when x then vv = 2\n", BO_ERR_MODEL,
           "model.ode:4:21: event 'e' assigns 'vv', which is not declared; only states may be "
           "assigned (did you mean 'v'?)\n"
           "    event e when x then vv = 2\n"
           "                        ^");
    EXPECT(X "event e when x then v = 1, v = 2\n", BO_ERR_MODEL,
           "model.ode:4:28: event 'e' assigns 'v' twice\n"
           "    event e when x then v = 1, v = 2\n"
           "                               ^");
    EXPECT(X "event e when xx\n", BO_ERR_MODEL,
           "model.ode:4:14: unknown symbol 'xx' (did you mean 'x'?)\n"
           "    event e when xx\n"
           "                 ^");
    EXPECT(X "event = 2\n", BO_ERR_MODEL,
           "model.ode:4:1: 'event' is reserved\n"
           "    event = 2\n"
           "    ^");
    bo_model *m = NULL;
    const char *good = X "param e = 0.5\nevent b when x falling then v = -e*v, x = 0 stop\n"
                         "event c when v\nevent d when x rising then stop\n";
    T_EQ_INT(md_parse(ctx, good, strlen(good), "model.ode", &m), BO_OK);
    T_EQ_INT(bo_model_event_count(m), 3);
    T_EQ_STR(bo_model_event_name(m, 0), "b");
    T_EQ_INT(bo_model_event_direction(m, 0), -1);
    T_EQ_INT(bo_model_event_direction(m, 1), 0);
    T_EQ_INT(bo_model_event_direction(m, 2), 1);
    T_EQ_INT(bo_model_event_stops(m, 0), 1);
    T_EQ_INT(bo_model_event_stops(m, 1), 0);
    T_EQ_INT(bo_model_event_stops(m, 2), 1);
    T_EQ_INT(bo_model_event_assignment_count(m, 0), 2);
    T_EQ_INT(bo_model_event_assignment_count(m, 2), 0);
    T_EQ_INT(bo_model_event_find(m, "c"), 1);
    T_EQ_INT(bo_model_event_find(m, "z"), -1);
    T_CHECK(bo_model_event_name(m, 3) == NULL);
    bo_model_destroy(m);
#undef X
}

static void test_semantic(void)
{
    EXPECT("state x = 1, y = 2\ndx/dt = y\n", BO_ERR_MODEL,
           "model.ode:1:14: state 'y' has no equation (write dy/dt = ...)\n"
           "    state x = 1, y = 2\n"
           "                 ^");
    EXPECT("state x = 1\ndx/dt = 1\nx' = 2\n", BO_ERR_MODEL,
           "model.ode:3:1: second equation for state 'x' (the first is at line 2)\n"
           "    x' = 2\n"
           "    ^");
    EXPECT("state x = 1\nparam k = 2\ndx/dt = 1\ndk/dt = 2\n", BO_ERR_MODEL,
           "model.ode:4:1: equation for 'k', which is a parameter, not a state\n"
           "    dk/dt = 2\n"
           "    ^");
    EXPECT("state x = 1\ndx/dt = 1\n a = 2\n a' = 3\n", BO_ERR_MODEL,
           "model.ode:4:2: equation for 'a', which is an auxiliary, not a state\n"
           "     a' = 3\n"
           "     ^");
    EXPECT("state x1 = 1\ndx2/dt = 1\n", BO_ERR_MODEL,
           "model.ode:2:1: equation for 'x2', which is not declared; declare it with 'state x2 "
           "= ...' (did you mean 'x1'?)\n"
           "    dx2/dt = 1\n"
           "    ^");
    EXPECT("param a = 1\nstate a = 2\n", BO_ERR_MODEL,
           "model.ode:2:7: duplicate name 'a' (already declared at line 1 as a parameter)\n"
           "    state a = 2\n"
           "          ^");
    EXPECT("state x = 1\nobs e = x\ndx/dt = 1\ndriver e\n", BO_ERR_MODEL,
           "model.ode:4:8: duplicate name 'e' (already declared at line 2 as an observable)\n"
           "    driver e\n"
           "           ^");
    EXPECT("param a = b*2\nparam b = 1\n", BO_ERR_MODEL,
           "model.ode:1:11: 'b' is used before its definition (line 2)\n"
           "    param a = b*2\n"
           "              ^");
    EXPECT("const c = 1 + c\n", BO_ERR_MODEL,
           "model.ode:1:15: 'c' is used before its definition (line 1)\n"
           "    const c = 1 + c\n"
           "                  ^");
    EXPECT("state x = 1, y = x\n", BO_ERR_MODEL,
           "model.ode:1:18: the value of 'y' must be a constant expression, but 'x' is a state\n"
           "    state x = 1, y = x\n"
           "                     ^");
    EXPECT("param k = 2*t\n", BO_ERR_MODEL,
           "model.ode:1:13: the value of 'k' must be a constant expression, but it uses the "
           "time 't'\n"
           "    param k = 2*t\n"
           "                ^");
    EXPECT("a = 1\nconst c = a\n", BO_ERR_MODEL,
           "model.ode:2:11: the value of 'c' must be a constant expression, but 'a' is an "
           "auxiliary\n"
           "    const c = a\n"
           "              ^");
    /* Cycles name every link, starting from the first one declared. */
    EXPECT("state x = 1\ndx/dt = a\na = b + 1\nb = 2*a\n", BO_ERR_MODEL,
           "model.ode:3:1: cyclic definition: a -> b -> a\n"
           "    a = b + 1\n"
           "    ^");
    EXPECT("state x = 1\ndx/dt = x\nobs e = e + x\n", BO_ERR_MODEL,
           "model.ode:3:5: cyclic definition: e -> e\n"
           "    obs e = e + x\n"
           "        ^");
    EXPECT("state x = 1\ndx/dt = x\nc = x\nd = f\nf = g + c\ng = d\n", BO_ERR_MODEL,
           "model.ode:4:1: cyclic definition: d -> f -> g -> d\n"
           "    d = f\n"
           "    ^");
    /* Reserved names. */
    EXPECT("state t = 0\n", BO_ERR_MODEL,
           "model.ode:1:7: 't' is reserved\n"
           "    state t = 0\n"
           "          ^");
    EXPECT("param pi = 3\n", BO_ERR_MODEL,
           "model.ode:1:7: 'pi' is reserved\n"
           "    param pi = 3\n"
           "          ^");
    EXPECT("state x = 1\nsin = x\n", BO_ERR_MODEL,
           "model.ode:2:1: 'sin' is reserved\n"
           "    sin = x\n"
           "    ^");
    EXPECT("driver ifelse\n", BO_ERR_MODEL,
           "model.ode:1:8: 'ifelse' is reserved\n"
           "    driver ifelse\n"
           "           ^");
    EXPECT("aux obs = 1\n", BO_ERR_MODEL,
           "model.ode:1:5: 'obs' is reserved\n"
           "    aux obs = 1\n"
           "        ^");
    EXPECT("const piecewise = 1\n", BO_ERR_MODEL,
           "model.ode:1:7: 'piecewise' is reserved\n"
           "    const piecewise = 1\n"
           "          ^");
    /* Functions. */
    EXPECT("state x = 1\ndx/dt = atan2(x)\n", BO_ERR_MODEL,
           "model.ode:2:9: 'atan2' takes 2 arguments, got 1\n"
           "    dx/dt = atan2(x)\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = sin(x, 2)\n", BO_ERR_MODEL,
           "model.ode:2:9: 'sin' takes 1 argument, got 2\n"
           "    dx/dt = sin(x, 2)\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = exp()\n", BO_ERR_MODEL,
           "model.ode:2:9: 'exp' takes 1 argument, got 0\n"
           "    dx/dt = exp()\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = ifelse(x, 1)\n", BO_ERR_MODEL,
           "model.ode:2:9: 'ifelse' takes 3 arguments, got 2\n"
           "    dx/dt = ifelse(x, 1)\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = piecewise(x, 1, x, 2)\n", BO_ERR_MODEL,
           "model.ode:2:9: 'piecewise' takes condition, value pairs and a final value (an odd "
           "number of at least 3 arguments), got 4\n"
           "    dx/dt = piecewise(x, 1, x, 2)\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = sinn(x)\n", BO_ERR_MODEL,
           "model.ode:2:9: unknown function 'sinn' (did you mean 'sin'?)\n"
           "    dx/dt = sinn(x)\n"
           "            ^");
    EXPECT("state x = 1\ndx/dt = 2*gamma(x)\n", BO_ERR_MODEL,
           "model.ode:2:11: unknown function 'gamma'\n"
           "    dx/dt = 2*gamma(x)\n"
           "              ^");
    /* Empty models. */
    EXPECT("", BO_ERR_MODEL,
           "model.ode:1:1: model defines no states\n"
           "    \n"
           "    ^");
    EXPECT("# only a comment\nparam k = 1\n", BO_ERR_MODEL,
           "model.ode:1:1: model defines no states\n"
           "    # only a comment\n"
           "    ^");
    /* Non-finite values. */
    EXPECT("const a = 1/0\n", BO_ERR_MODEL,
           "model.ode:1:7: constant 'a' is not finite (value inf)\n"
           "    const a = 1/0\n"
           "          ^");
    EXPECT("param k = -1e308*10\n", BO_ERR_MODEL,
           "model.ode:1:7: default of parameter 'k' is not finite (value -inf)\n"
           "    param k = -1e308*10\n"
           "          ^");
    EXPECT("state x = 0/0\n", BO_ERR_MODEL,
           "model.ode:1:7: initial value of state 'x' is not finite (value nan)\n"
           "    state x = 0/0\n"
           "          ^");
    EXPECT("state x = sqrt(-1)\n", BO_ERR_MODEL,
           "model.ode:1:7: initial value of state 'x' is not finite (value nan)\n"
           "    state x = sqrt(-1)\n"
           "          ^");
}

/* Long names and lines are shortened in messages. */
static void test_long(void)
{
    size_t n = 100000;
    char *text = malloc(n + 64);
    strcpy(text, "state x = 1\ndx/dt = ");
    size_t len = strlen(text);
    for (size_t i = 0; i < n; ++i)
        text[len++] = (char)('a' + (int)(i % 3));
    text[len] = '\0';
    bo_model *m = NULL;
    T_EQ_INT(md_parse(ctx, text, len, "model.ode", &m), BO_ERR_MODEL);
    const char *msg = bo_errmsg(ctx);
    T_CONTAINS(msg, "model.ode:2:9: unknown symbol 'abcabc");
    T_CONTAINS(msg, "...'\n    dx/dt = abcabc");
    T_CHECK(strlen(msg) < 600);
    free(text);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Garbage of 10 MB, given as a file: must fail, and quickly. */
static void garbage(const char *what, const char *data, size_t len)
{
    char path[] = "/tmp/bo_garbage_XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "wb");
    T_CHECK(f && fwrite(data, 1, len, f) == len);
    fclose(f);
    bo_model *m = NULL;
    double t0 = now();
    int rc = bo_model_load_file(ctx, path, &m);
    double dt = now() - t0;
    remove(path);
    T_CHECKF(rc == BO_ERR_PARSE || rc == BO_ERR_MODEL, "%s: rc %d", what, rc);
    T_CHECKF(m == NULL, "%s", what);
    T_CHECKF(dt < 1.0, "%s: took %.3f s", what, dt);
    T_CHECKF(strncmp(bo_errmsg(ctx), path, strlen(path)) == 0, "%s: %s", what, bo_errmsg(ctx));
    T_CHECKF(strlen(bo_errmsg(ctx)) < 1000, "%s: message of %zu bytes", what,
             strlen(bo_errmsg(ctx)));
    bo_model_destroy(m);
}

static void test_garbage(void)
{
    const size_t n = 10u << 20;
    char *buf = malloc(n);
    if (!buf)
        return;
    /* xorshift64 with a fixed seed: the same bytes every run. */
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; ++i) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        buf[i] = (char)(s >> 56);
    }
    garbage("random bytes", buf, n);
    memset(buf, 0, n);
    garbage("NUL bytes", buf, n);
    memset(buf, 'a', n);
    garbage("one enormous name", buf, n);
    memcpy(buf, "state x = 1\nx' = ", 18);
    garbage("one enormous expression line", buf, n);
    memset(buf, '(', n);
    garbage("deep parentheses", buf, n);
    for (size_t i = 0; i < n; ++i)
        buf[i] = "x = 1+\n"[i % 7];
    garbage("many lines", buf, n);
    free(buf);
}

int main(void)
{
    if (bo_context_create(&ctx) != BO_OK)
        return 1;
    test_spec_example();
    test_syntax();
    test_units();
    test_semantic();
    test_events();
    test_long();
    test_garbage();
    bo_context_destroy(ctx);
    T_DONE();
}
