/* print_table.c - the terminal summary: one aligned row per cell, then
 * per-tool TP/FP/FN, precision and recall, then the top findings of every
 * cell that failed, could not decide or detected something: both sites
 * with their source lines, and a hang's wait-for cycle. */
#include "diagnosis.h"
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

/* Findings shown per cell; the rest are counted in a "... N more" line. */
enum { TOP_FINDINGS = 3 };

/* A source line under a site, indented to the site's location column. */
static void print_source(FILE *out, int indent, const char *src)
{
    while (*src == ' ')
        src++;
    fprintf(out, "%*s| %s\n", indent, "", src);
}

/* "  write (thread 1) main  tests/x.c:27" and, below it, the source line. */
static void print_site(FILE *out, const char *indent, const struct stack *s)
{
    const struct frame *fr = rl_top_frame(s);
    char src[200];
    int role_w;

    role_w = fprintf(out, "%s%s", indent, s->role ? s->role : "stack");
    if (s->thread >= 0)
        role_w += fprintf(out, " (T%d)", s->thread);
    fprintf(out, "%*s", role_w < 28 ? 28 - role_w : 1, "");
    if (!fr) {
        fputs("(no frames outside the tools)\n", out);
        return;
    }
    fprintf(out, "%s", fr->function ? fr->function : "??");
    if (fr->file) {
        fprintf(out, "  %s", rl_source_relative(fr->file));
        if (fr->line > 0)
            fprintf(out, ":%d", fr->line);
    }
    fputc('\n', out);
    /* inside a library or a system header (std::map, memcpy): also the
     * program's own frame that called it, with its line */
    const struct frame *mine = NULL;
    if (!frame_is_program(fr))
        for (size_t i = 0; i < s->nframes && !mine; i++)
            if (frame_is_program(&s->frames[i]))
                mine = &s->frames[i];
    if (mine) {
        fprintf(out, "%*scalled from %s  %s", 28, "", mine->function ? mine->function : "??",
                rl_source_relative(mine->file));
        if (mine->line > 0)
            fprintf(out, ":%d", mine->line);
        fputc('\n', out);
        fr = mine;
    }
    if (fr->file && rl_source_line(fr->file, fr->line, src, sizeof src) >= 0)
        print_source(out, 28, src);
}

static const char *finding_class(const struct cell_result *c,
                                 const struct unique_finding *u)
{
    if (unique_finding_is_tp(c, u))
        return "true positive";
    if (u->expected_false_positive)
        return "expected false positive";
    if (unique_finding_is_fp(c, u))
        return "false positive";
    return "unclassified";
}

static void print_finding(FILE *out, const struct cell_result *c,
                          const struct unique_finding *u)
{
    const struct stack *a, *b;
    char label[1024];

    finding_label(&u->finding, label, sizeof label);
    fprintf(out, "  %s%s, %s, %zu/%zu run%s: %s [%s]\n",
            u->baseline == BASELINE_KNOWN ? "known " : "",
            finding_kind_name(u->finding.kind), finding_class(c, u),
            u->runs_seen, c->total_runs, c->total_runs == 1 ? "" : "s",
            label + strcspn(label, ":") + 1, u->finding.fingerprint);
    if (u->baseline_related[0]) {
        char object[600];

        fprintf(out, "    known by its object (%s) and a racing function "
                "of baseline race [%s]\n", finding_object(&u->finding, object, sizeof object),
                u->baseline_related);
    }
    rl_finding_sites(&u->finding, &a, &b);
    if (a)
        print_site(out, "    ", a);
    if (b)
        print_site(out, "    ", b);
}

/* Frames of a stack shown in full: the program's, not the tools'. */
enum { FULL_FRAMES = 16 };

/* Stack S whole: role, thread, locks held, then its frames (the tools'
 * own frames left out), the innermost with its source line. */
static void print_stack_full(FILE *out, const struct stack *s)
{
    size_t shown = 0;

    fprintf(out, "    %s", s->role ? s->role : "stack");
    if (s->thread >= 0)
        fprintf(out, " (T%d)", s->thread);
    if (!s->context) {          /* background stacks hold nothing */
        fputs(", locks held: ", out);
        if (!s->nlocks)
            fputs("none", out);
        for (size_t i = 0; i < s->nlocks; i++)
            fprintf(out, "%s%s", i ? ", " : "", s->locks_held[i]);
    }
    fputc('\n', out);
    for (size_t i = 0; i < s->nframes && shown < FULL_FRAMES; i++) {
        const struct frame *fr = &s->frames[i];
        char src[200];

        if (frame_is_noise(fr))
            continue;
        fprintf(out, "      #%zu %s", shown, fr->function ? fr->function : "??");
        if (fr->file)
            fprintf(out, "  %s", rl_source_relative(fr->file));
        if (fr->file && fr->line > 0)
            fprintf(out, ":%d", fr->line);
        fputc('\n', out);
        if (shown++ == 0 && fr->file &&
            rl_source_line(fr->file, fr->line, src, sizeof src) >= 0)
            print_source(out, 8, src);
    }
}

/* The repeat command of the run U was first seen in, else of any run. */
static const char *finding_repro(const struct cell_result *c,
                                 const struct unique_finding *u)
{
    const char *any = NULL;

    for (size_t i = 0; i < c->nruns; i++) {
        if (c->runs[i].repro && c->runs[i].seed == u->first_seed)
            return c->runs[i].repro;
        if (!any)
            any = c->runs[i].repro;
    }
    return any;
}

/* A new finding in full: its name, every access stack (and background
 * stacks), the locks held, and the command that repeats it. */
static void print_new_finding(FILE *out, const struct cell_result *c,
                              const struct unique_finding *u)
{
    const char *repro = finding_repro(c, u);
    char label[1024];

    fprintf(out, "\nNEW %s\n  in %s/%s/%s, %s, %zu/%zu run%s [%s]\n",
            finding_label(&u->finding, label, sizeof label),
            c->scenario ? c->scenario : "-", c->variant ? c->variant : "-",
            c->tool ? c->tool : "-", finding_kind_name(u->finding.kind),
            u->runs_seen, c->total_runs, c->total_runs == 1 ? "" : "s",
            u->finding.fingerprint);
    if (u->finding.summary)
        fprintf(out, "  %s\n", u->finding.summary);
    for (int ctx = 0; ctx < 2; ctx++)
        for (size_t i = 0; i < u->finding.nstacks; i++)
            if (!u->finding.stacks[i].context == !ctx)
                print_stack_full(out, &u->finding.stacks[i]);
    if (repro)
        fprintf(out, "  repeat with: %s\n", repro);
}

/* --baseline: every new finding in full, before anything known. */
static void print_new_findings(FILE *out, const struct cell_result *cells,
                               size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += cells[i].baseline_new;
    if (!k)
        return;
    fprintf(out, "\nNEW FINDINGS: %zu not in the baseline\n", k);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cells[i].nfindings; j++)
            if (cells[i].findings[j].baseline == BASELINE_NEW)
                print_new_finding(out, &cells[i], &cells[i].findings[j]);
}

/* The first run's wait-for cycle, one thread a line; else the first line
 * of its hang report. */
static void print_hang(FILE *out, const struct cell_result *c)
{
    struct rl_wait w[16];
    size_t hung = 0, first = 0, k;
    const char *rep = NULL;

    for (size_t i = 0, number = 0; i < c->nruns; number += 1 + c->runs[i++].folded)
        if (c->runs[i].hang_report) {
            if (!hung++) {
                rep = c->runs[i].hang_report;
                first = number;     /* the run's, not the record's */
            }
        }
    if (!rep)
        return;
    k = rl_parse_wait_cycle(rep, w, 16);
    fprintf(out, "  hang in run %zu", first + 1);
    if (hung > 1)
        fprintf(out, " (first of %zu runs with a hang report)", hung);
    fputs(": ", out);
    if (k == 0) {
        fprintf(out, "%.*s\n", (int)strcspn(rep, "\n"), rep);
        return;
    }
    fprintf(out, "wait-for cycle of %zu threads\n", k);
    for (size_t i = 0; i < k; i++) {
        struct frame fr;
        char file[256], src[200];

        fprintf(out, "    thread %ld holds %s, waits for %s at %s\n",
                w[i].thread, w[i].held_name, w[i].wait_name, w[i].where);
        if (rl_where_frame(w[i].where, file, sizeof file, &fr) &&
            rl_source_line(fr.file, fr.line, src, sizeof src) >= 0)
            print_source(out, 6, src);
    }
    fprintf(out, "    (thread %ld waits for what thread %ld holds: a cycle)\n",
            w[k - 1].thread, w[0].thread);
}

static bool cell_worth_showing(const struct cell_result *c)
{
    return c->status != CELL_PASS || c->detected_runs > 0;
}

/* Why the first run that has a reason broke: the tool's or environment's
 * error, or the crash. */
static void print_reason(FILE *out, const struct cell_result *c)
{
    size_t number = 1;  /* the run's, not the record's: records fold runs */

    for (size_t i = 0; i < c->nruns; number += 1 + c->runs[i++].folded)
        if (c->runs[i].reason) {
            fprintf(out, "  run %zu, %s: %s\n", number,
                    run_outcome_name(c->runs[i].outcome), c->runs[i].reason);
            return;
        }
}

static void print_findings(FILE *out, const struct cell_result *cells,
                           size_t n)
{
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];
        size_t shown = 0;
        bool hang = false;

        for (size_t r = 0; r < c->nruns; r++)
            hang |= c->runs[r].hang_report != NULL;
        if (!cell_worth_showing(c) ||
            (c->status == CELL_PASS && c->nfindings == 0 && !hang))
            continue;
        if (!any)
            fputs("\nFINDINGS (failed, inconclusive, error and detecting cells)\n",
                  out);
        any = true;
        fprintf(out, "\n%s/%s/%s: %s\n", c->scenario ? c->scenario : "-",
                c->variant ? c->variant : "-", c->tool ? c->tool : "-",
                rl_status_upper(c->status));
        if (c->verdict)
            fprintf(out, "  verdict: %s\n", c->verdict);
        /* True positives first: they are what the cell is about.  New
         * findings were printed in full above (print_new_findings). */
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j < c->nfindings; j++) {
                const struct unique_finding *u = &c->findings[j];

                if (unique_finding_is_tp(c, u) != (pass == 0) ||
                    u->baseline == BASELINE_NEW)
                    continue;
                if (shown++ < TOP_FINDINGS)
                    print_finding(out, c, u);
            }
        if (shown > TOP_FINDINGS)
            fprintf(out, "  \u2026 %zu more %sfinding%s\n", shown - TOP_FINDINGS,
                    c->baseline_used ? "known " : "",
                    shown - TOP_FINDINGS == 1 ? "" : "s");
        if (c->baseline_new)
            fprintf(out, "  %zu new finding%s: see NEW FINDINGS above\n",
                    c->baseline_new, c->baseline_new == 1 ? "" : "s");
        print_hang(out, c);
        if (c->status != CELL_PASS)
            print_reason(out, c);
    }
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
                 c->total_runs - c->env_errors);
        snprintf(ci, sizeof ci, "[%.2f,%.2f]", c->rate_lo, c->rate_hi);
        if (c->first_detection_run > 0)
            snprintf(first, sizeof first, "#%ld %.1fs", c->first_detection_run,
                     c->first_detection_seconds);
        else
            snprintf(first, sizeof first, "-");
        fprintf(out, "%-*s %-*s %-8s %5zu %9s %5.0f%% %-13s %9s %3zu %3zu %3zu"
                "  %s  %s\n", wsc, c->scenario ? c->scenario : "-", wvar,
                c->variant ? c->variant : "-", c->tool ? c->tool : "-",
                c->total_runs, det, 100.0 * c->rate, ci, first, c->tp, c->fp, c->fn,
                rl_status_upper(c->status), c->verdict ? c->verdict : "");
    }
    print_new_findings(out, cells, n);
    print_findings(out, cells, n);
    print_totals(out, cells, n);
    print_status_counts(out, cells, n);
}
