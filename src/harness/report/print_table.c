/* print_table.c - the terminal summary: one aligned row per cell, then
 * per-tool TP/FP/FN, precision and recall. */
#include "result.h"
#include "report_util.h"

#include <string.h>

static void ratio(char *buf, size_t len, double v)
{
    if (v < 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2f", v);
}

static void print_totals(FILE *out, const struct cell_result *cells, size_t n)
{
    struct rl_totals t;

    rl_totals_compute(cells, n, &t);
    if (t.n == 0)
        return;
    fprintf(out, "\n%-10s %5s %5s %5s %9s %6s\n", "TOOL", "TP", "FP", "FN",
            "PRECISION", "RECALL");
    for (size_t i = 0; i < t.n; i++) {
        char p[16], r[16];

        ratio(p, sizeof p, rl_precision(&t.tools[i]));
        ratio(r, sizeof r, rl_recall(&t.tools[i]));
        fprintf(out, "%-10s %5zu %5zu %5zu %9s %6s\n", t.tools[i].tool,
                t.tools[i].tp, t.tools[i].fp, t.tools[i].fn, p, r);
    }
}

/* The last line: how many cells ended in each state. */
static void print_status_counts(FILE *out, const struct cell_result *cells,
                                size_t n)
{
    size_t k[4] = {0};

    for (size_t i = 0; i < n; i++)
        k[cells[i].status]++;
    fprintf(out, "\n%zu cell%s: %zu pass, %zu fail, %zu inconclusive, %zu error\n",
            n, n == 1 ? "" : "s", k[CELL_PASS], k[CELL_FAIL],
            k[CELL_INCONCLUSIVE], k[CELL_ERROR]);
    /* --baseline: the gate's counts (cell_apply_baseline) */
    size_t bn = 0, bk = 0, bf = 0;
    bool used = false;
    for (size_t i = 0; i < n; i++) {
        used |= cells[i].baseline_used;
        bn += cells[i].baseline_new;
        bk += cells[i].baseline_known;
        bf += cells[i].baseline_fixed;
    }
    if (used)
        fprintf(out, "baseline: %zu new, %zu known, %zu fixed\n", bn, bk, bf);
}

void print_table(FILE *out, const struct cell_result *cells, size_t n)
{
    int wsc = 8, wvar = 7;

    for (size_t i = 0; i < n; i++) {
        int a = cells[i].scenario ? (int)strlen(cells[i].scenario) : 1;
        int b = cells[i].variant ? (int)strlen(cells[i].variant) : 1;

        wsc = a > wsc ? a : wsc;
        wvar = b > wvar ? b : wvar;
    }
    fprintf(out, "%-*s %-*s %-8s %5s %9s %6s %-13s %9s %3s %3s %3s  %s\n",
            wsc, "SCENARIO", wvar, "VARIANT", "TOOL", "RUNS", "DETECTED",
            "RATE", "CI95", "FIRST", "TP", "FP", "FN", "RESULT");
    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];
        char det[32], ci[32], first[32];

        snprintf(det, sizeof det, "%zu/%zu", c->detected_runs,
                 c->nruns - c->env_errors);
        snprintf(ci, sizeof ci, "[%.2f,%.2f]", c->rate_lo, c->rate_hi);
        if (c->first_detection_run > 0)
            snprintf(first, sizeof first, "#%ld %.1fs", c->first_detection_run,
                     c->first_detection_seconds);
        else
            snprintf(first, sizeof first, "-");
        fprintf(out, "%-*s %-*s %-8s %5zu %9s %5.0f%% %-13s %9s %3zu %3zu %3zu"
                "  %s  %s\n", wsc, c->scenario ? c->scenario : "-", wvar,
                c->variant ? c->variant : "-", c->tool ? c->tool : "-",
                c->nruns, det, 100.0 * c->rate, ci, first, c->tp, c->fp, c->fn,
                rl_status_upper(c->status), c->verdict ? c->verdict : "");
    }
    print_totals(out, cells, n);
    print_status_counts(out, cells, n);
}
