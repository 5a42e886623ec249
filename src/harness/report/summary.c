/* summary.c - per-cell aggregates, scoring, and the one judge of a cell:
 * cell_judge() decides status, grounds and verdict text from the runs,
 * findings, expectation, recorded rate, baseline and merge state; nothing
 * else in racelab sets them. */
#include "result.h"
#include "report_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *run_outcome_name(enum run_outcome o)
{
    switch (o) {
    case RUN_CLEAN: return "clean";
    case RUN_FINDING: return "finding";
    case RUN_HANG: return "hang";
    case RUN_CRASH: return "crash";
    case RUN_ENV_ERROR: return "env-error";
    case RUN_TOOL_ERROR: return "tool-error";
    }
    return "unknown";
}

bool run_outcome_is_error(enum run_outcome o)
{
    return o == RUN_ENV_ERROR || o == RUN_TOOL_ERROR;
}

const char *cell_status_name(enum cell_status s)
{
    switch (s) {
    case CELL_PASS: return "pass";
    case CELL_FAIL: return "fail";
    case CELL_INCONCLUSIVE: return "inconclusive";
    case CELL_ERROR: return "error";
    }
    return "unknown";
}

void wilson_interval(size_t k, size_t n, double *lo, double *hi)
{
    const double z = 1.959963984540054;     /* 97.5th normal percentile */
    double p, z2n, denom, center, half;

    if (n == 0) {               /* no trials: nothing is known */
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    if (k > n)
        k = n;
    p = (double)k / (double)n;
    z2n = z * z / (double)n;
    denom = 1.0 + z2n;
    center = (p + z2n / 2.0) / denom;
    half = z * sqrt(p * (1.0 - p) / (double)n + z2n / (4.0 * (double)n)) / denom;
    *lo = center - half < 0.0 ? 0.0 : center - half;
    *hi = center + half > 1.0 ? 1.0 : center + half;
    /* The bounds at k = 0 and k = n are exact; keep rounding out. */
    if (k == 0)
        *lo = 0.0;
    if (k == n)
        *hi = 1.0;
}

static void free_run(struct run_record *r)
{
    free(r->symptom_detail);
    free(r->hang_report);
    free(r->sched_bound);
    free(r->reason);
    free(r->oracles);
    free(r->schedule);
    free(r->repro);
}

void cell_result_free(struct cell_result *c)
{
    if (!c)
        return;
    free(c->scenario);
    free(c->variant);
    free(c->tool);
    free(c->executable);
    free(c->module);
    free(c->bug_class);
    free(c->expect.rate);
    for (size_t i = 0; i < c->nruns; i++)
        free_run(&c->runs[i]);
    free(c->runs);
    for (size_t i = 0; i < c->nfindings; i++)
        finding_free(&c->findings[i].finding);
    free(c->findings);
    for (size_t i = 0; i < c->baseline_fixed; i++)
        if (c->fixed_findings)
            finding_free(&c->fixed_findings[i]);
    free(c->fixed_findings);
    free(c->verdict);
    free(c->guarantee);
    free(c->suppressions);
    free(c->merge_partial);
    memset(c, 0, sizeof *c);
}

/* --- scoring ------------------------------------------------------------ */

static bool kind_expected(const struct cell_result *c, enum finding_kind k)
{
    return (c->expect.kinds & (1u << k)) != 0;
}

static bool is_trap(const struct cell_result *c, enum finding_kind k)
{
    return c->expect.known && c->expect.false_positive && kind_expected(c, k);
}

bool unique_finding_is_tp(const struct cell_result *c,
                          const struct unique_finding *u)
{
    return c->expect.known && !rl_cell_is_fixed(c) && u->true_positive &&
           kind_expected(c, u->finding.kind) && !is_trap(c, u->finding.kind);
}

bool unique_finding_is_fp(const struct cell_result *c,
                          const struct unique_finding *u)
{
    if (!c->expect.known || is_trap(c, u->finding.kind))
        return false;
    return rl_cell_is_fixed(c) || !u->true_positive;
}

static bool is_none_tool(const struct cell_result *c)
{
    return c->tool && strcmp(c->tool, "none") == 0;
}

/* Finds U's slot by fingerprint, or appends a copy-by-move of F. */
static struct unique_finding *unique_slot(struct cell_result *c,
                                          struct finding *f, bool *fresh,
                                          size_t *cap)
{
    for (size_t i = 0; i < c->nfindings; i++)
        if (strcmp(c->findings[i].finding.fingerprint, f->fingerprint) == 0) {
            *fresh = false;
            return &c->findings[i];
        }
    if (rl_reserve(&c->findings, cap, c->nfindings + 1, sizeof *c->findings) < 0)
        return NULL;
    *fresh = true;
    memset(&c->findings[c->nfindings], 0, sizeof *c->findings);
    return &c->findings[c->nfindings++];
}

/* The judge's score of one finding of a run: RUN's counters. */
static void score_finding(const struct cell_result *c, struct run_record *run,
                          const struct finding *f, bool at)
{
    run->nfindings++;
    if (at && kind_expected(c, f->kind) && !rl_cell_is_fixed(c))
        run->true_positives++;
    else if (!is_trap(c, f->kind))
        run->false_positives++;
}

int cell_result_add_run(struct cell_result *c, struct run_record *run,
                        struct finding_list *found,
                        const struct location *locs, size_t nlocs,
                        size_t depth)
{
    size_t cap = c->nfindings;      /* c->findings may be exactly full */
    bool *seen_here = calloc(c->nfindings + found->count + 1, sizeof *seen_here);
    int rc = 0;

    if (!seen_here)
        return -1;
    for (size_t i = 0; i < found->count; i++) {
        struct finding *f = &found->items[i];
        bool at = finding_at_locations(f, locs, nlocs, depth);
        struct unique_finding *u;
        bool fresh;
        size_t idx;

        if (!f->fingerprint[0])
            finding_fingerprint(f);
        score_finding(c, run, f, at);
        u = unique_slot(c, f, &fresh, &cap);
        if (!u) {
            rc = -1;
            break;
        }
        idx = (size_t)(u - c->findings);
        if (fresh) {
            u->finding = *f;
            memset(f, 0, sizeof *f);
            u->first_seed = run->seed;
        }
        u->true_positive |= at;
        u->expected_false_positive |= is_trap(c, u->finding.kind);
        if (!seen_here[idx]) {      /* runs_seen counts runs, not reports */
            seen_here[idx] = true;
            u->runs_seen++;
        }
    }
    if (run->nfindings && run->outcome == RUN_CLEAN)
        run->outcome = RUN_FINDING;
    run->suppressed += found->suppressed;   /* --suppressions: counted */
    free(seen_here);
    finding_list_free(found);
    return rc;
}

/* A run with nothing to tell but that it ran and how long. */
static bool run_foldable(const struct run_record *r)
{
    return r->outcome == RUN_CLEAN && r->nfindings == 0 && !r->symptom &&
           !r->symptom_detail && !r->hang_report && !r->sched_bound && !r->reason &&
           !r->oracles;
}

int cell_result_keep_run(struct cell_result *c, struct run_record *run)
{
    struct run_record *last = c->nruns ? &c->runs[c->nruns - 1] : NULL;

    if (c->nruns > RUNS_KEPT && last && run_foldable(last) && run_foldable(run)) {
        last->folded += 1 + run->folded;
        last->seconds += run->seconds;
        last->suppressed += run->suppressed;
        if (last->exit_status != run->exit_status)
            last->exit_status = 0;      /* clean either way */
        free(run->repro);
        free(run->schedule);
        memset(run, 0, sizeof *run);
        c->total_runs++;
        return 0;
    }
    struct run_record *runs = realloc(c->runs, (c->nruns + 1) * sizeof *runs);
    if (!runs)
        return -1;
    c->runs = runs;
    c->runs[c->nruns++] = *run;
    c->total_runs += 1 + run->folded;
    memset(run, 0, sizeof *run);
    return 0;
}

/* --- aggregates --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return -1.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

struct weighted {
    double value;
    size_t weight;
};

static int cmp_weighted(const void *a, const void *b)
{
    return cmp_double(&((const struct weighted *)a)->value, &((const struct weighted *)b)->value);
}

/* The median of N values of which V[i] stands for V[i].weight of them (a
 * folded record: its runs' mean); the plain median when every weight is 1. */
static double weighted_median(struct weighted *v, size_t n)
{
    size_t total = 0, below = 0;

    for (size_t i = 0; i < n; i++)
        total += v[i].weight;
    if (total == 0)
        return -1.0;
    qsort(v, n, sizeof *v, cmp_weighted);
    for (size_t i = 0; i < n; i++) {
        /* the middle value(s): positions (total-1)/2 and total/2, 0-based */
        if (below + v[i].weight > (total - 1) / 2) {
            double lo = v[i].value;
            size_t j = i;
            while (below + v[j].weight <= total / 2) {
                below += v[j].weight;
                j++;
            }
            return (lo + v[j].value) / 2.0;
        }
        below += v[i].weight;
    }
    return v[n - 1].value;
}

/* A run that tested nothing: it could not run, or its tool failed before
 * it reported anything.  A tool that failed after reporting findings
 * leaves a run whose findings count (cell_result.tool_failed_runs). */
static bool run_void(const struct run_record *r)
{
    return r->outcome == RUN_ENV_ERROR ||
           (r->outcome == RUN_TOOL_ERROR && r->nfindings == 0);
}

/* The judge's rule for one run: did it see what its cell looks for? */
static bool run_detected(const struct cell_result *c, const struct run_record *r)
{
    bool broke = r->outcome == RUN_CRASH || r->outcome == RUN_HANG;

    if (run_void(r))
        return false;
    if (!c->expect.known)       /* stress: anything wrong is a detection */
        return r->nfindings > 0 || r->outcome == RUN_FINDING || broke ||
               r->symptom || r->oracles;
    if (is_none_tool(c))        /* a crash or a hang is what "none" sees */
        return r->symptom || broke;
    return r->true_positives > 0;
}

bool cell_run_detects(const struct cell_result *c, const struct run_record *run,
                      const struct finding_list *found,
                      const struct location *locs, size_t nlocs, size_t depth)
{
    struct run_record r = *run;     /* a copy: only its counters change */

    r.nfindings = r.true_positives = r.false_positives = 0;
    for (size_t i = 0; i < found->count; i++)
        score_finding(c, &r, &found->items[i],
                      finding_at_locations(&found->items[i], locs, nlocs, depth));
    if (r.nfindings && r.outcome == RUN_CLEAN)
        r.outcome = RUN_FINDING;
    return run_detected(c, &r);
}

/* One record into the counters; BEFORE and ELAPSED are the runs before it
 * and their wall time.  A folded record is clean runs only
 * (cell_result_keep_run): of its counters only suppressed moves. */
static void count_run(struct cell_result *c, size_t i, size_t before, double elapsed,
                      double *det, size_t *ndet)
{
    const struct run_record *r = &c->runs[i];

    c->finding_runs += r->nfindings > 0 || r->outcome == RUN_FINDING;
    c->symptom_runs += r->symptom;
    c->hangs += r->outcome == RUN_HANG;
    c->crashes += r->outcome == RUN_CRASH;
    c->env_errors += run_void(r);
    c->tool_failed_runs += r->outcome == RUN_TOOL_ERROR && !run_void(r);
    c->suppressed += r->suppressed;
    if (run_detected(c, r)) {
        double at = r->first_finding_seconds >= 0 ? r->first_finding_seconds
                                                  : r->seconds;
        c->detected_runs++;
        if (c->first_detection_run < 0) {
            c->first_detection_run = (long)before + 1;
            /* cumulative: what it cost to get the first detection */
            c->first_detection_seconds = elapsed + at;
        }
        if (det && r->first_finding_seconds >= 0)
            det[(*ndet)++] = r->first_finding_seconds;
    }
}

static void count_runs(struct cell_result *c)
{
    struct weighted *all = calloc(c->nruns + 1, sizeof *all);
    double *det = calloc(c->nruns + 1, sizeof *det);
    size_t nall = 0, ndet = 0, valid, before = 0;
    double elapsed = 0.0;

    c->detected_runs = c->finding_runs = c->symptom_runs = 0;
    c->hangs = c->crashes = c->env_errors = c->tool_failed_runs = 0;
    c->suppressed = 0;
    c->first_detection_run = -1;
    c->first_detection_seconds = -1.0;
    for (size_t i = 0; i < c->nruns; i++) {
        const struct run_record *r = &c->runs[i];

        count_run(c, i, before, elapsed, det, &ndet);
        if (all)    /* out of memory: no median, nothing else lost */
            all[nall++] = (struct weighted){r->seconds / (double)(1 + r->folded),
                                            1 + r->folded};
        elapsed += r->seconds;
        before += 1 + r->folded;
    }
    c->total_runs = before;
    /* Runs that tested nothing (env errors) are not trials. */
    valid = c->total_runs - c->env_errors;
    c->rate = valid ? (double)c->detected_runs / (double)valid : 0.0;
    wilson_interval(c->detected_runs, valid, &c->rate_lo, &c->rate_hi);
    c->median_seconds = nall ? weighted_median(all, nall) : 0.0;
    c->median_detection_seconds = median(det, ndet);
    free(all);
    free(det);
}

static void score(struct cell_result *c)
{
    unsigned detected = 0;

    c->tp = c->fp = c->fn = 0;
    for (size_t i = 0; i < c->nfindings; i++) {
        struct unique_finding *u = &c->findings[i];

        u->expected_false_positive = is_trap(c, u->finding.kind);
        if (unique_finding_is_tp(c, u)) {
            c->tp++;
            detected |= 1u << u->finding.kind;
        } else if (unique_finding_is_fp(c, u)) {
            c->fp++;
        }
    }
    if (c->expect.known && !rl_cell_is_fixed(c) && !is_none_tool(c) &&
        !c->expect.false_positive)
        for (int k = 0; k < FINDING_KIND_COUNT; k++)
            if (kind_expected(c, k) && !(detected & (1u << k)))
                c->fn++;
}

/* --- verdict ------------------------------------------------------------ */

/* "data-race, lock-order-inversion" for the kinds in MASK. */
static void kinds_text(unsigned mask, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int k = 0; k < FINDING_KIND_COUNT && used < len; k++)
        if (mask & (1u << k))
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     used ? ", " : "", finding_kind_name(k));
}

static unsigned found_kinds(const struct cell_result *c, bool tp_only)
{
    unsigned m = 0;

    for (size_t i = 0; i < c->nfindings; i++)
        if (!tp_only || unique_finding_is_tp(c, &c->findings[i]))
            m |= 1u << c->findings[i].finding.kind;
    return m;
}

static void set_verdict(struct cell_result *c, enum cell_status st,
                        const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_verdict(struct cell_result *c, enum cell_status st,
                        const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(c->verdict);
    c->verdict = strdup(buf);
    c->status = st;
}

/* Appends SEP and a note to the verdict (the verdict stays when out of
 * memory: a note less, never a verdict lost). */
static void note(struct cell_result *c, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(struct cell_result *c, const char *sep, const char *fmt, ...)
{
    char buf[1024], *v;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (asprintf(&v, "%s%s%s", c->verdict ? c->verdict : "",
                 c->verdict && *c->verdict ? sep : "", buf) < 0)
        return;
    free(c->verdict);
    c->verdict = v;
}

/* What a recorded rate "K/M" promises per run: the lower end of its 95%
 * Wilson interval (a rate seen in 5 of 5 runs is not certain, it is at
 * least 0.57), or -1 when RATE is not "K/M" with 0 < K <= M. */
double recorded_rate_floor(const char *rate)
{
    unsigned long k, m;
    char tail;
    double lo, hi;

    if (rate == NULL || sscanf(rate, "%lu/%lu%c", &k, &m, &tail) != 2
        || k == 0 || m == 0 || k > m)
        return -1;
    wilson_interval(k, m, &lo, &hi);
    return lo > 0 ? lo : -1;
}

/* Below this chance of missing a bug in every run, a miss decides. */
#define MISS_TOLERANCE 0.001

size_t runs_to_decide(double rate)
{
    if (rate <= 0.0)
        return 0;
    if (rate >= 1.0)
        return 1;
    return (size_t)ceil(log(MISS_TOLERANCE) / log(1.0 - rate));
}

/* A buggy cell saw nothing it expected in N runs.  Not a pass: the bug is
 * there.  A fail when the recorded rate makes the miss implausible (the
 * detector or the load no longer does what the manifest says), else
 * inconclusive with the number of runs that would decide. */
static void missed(struct cell_result *c, size_t n, const char *what)
{
    double p = recorded_rate_floor(c->expect.rate);

    c->runs_needed = runs_to_decide(p);
    if (p > 0 && pow(1.0 - p, (double)n) < MISS_TOLERANCE)
        set_verdict(c, CELL_FAIL, "%s never seen in %zu runs, though the "
                    "recorded rate is %s (at least %.2f per run: P(miss) = %.2g)",
                    what, n, c->expect.rate, p, pow(1.0 - p, (double)n));
    else if (p > 0)
        set_verdict(c, CELL_INCONCLUSIVE, "%s not seen in %zu runs; at the "
                    "recorded rate %s (at least %.2f per run), %zu runs would "
                    "decide", what, n, c->expect.rate, p, c->runs_needed);
    else
        set_verdict(c, CELL_INCONCLUSIVE, "%s not seen in %zu runs; no rate "
                    "is recorded, so no number of runs is known to decide",
                    what, n);
}

/* Runs in which an oracle other than the expected symptom fired. */
static size_t oracle_runs(const struct cell_result *c)
{
    size_t k = 0;

    for (size_t i = 0; i < c->nruns; i++)
        k += c->runs[i].oracles != NULL;
    return k;
}

static const char *first_oracles(const struct cell_result *c)
{
    for (size_t i = 0; i < c->nruns; i++)
        if (c->runs[i].oracles)
            return c->runs[i].oracles;
    return "";
}

/* Hangs and crashes, where a cell may have none. */
static unsigned broke_grounds(const struct cell_result *c)
{
    return (c->hangs ? GROUND_HANG : 0u) | (c->crashes ? GROUND_CRASH : 0u);
}

static void verdict_none(struct cell_result *c)
{
    size_t n = c->total_runs - c->env_errors;

    if (rl_cell_is_fixed(c)) {
        size_t orc = c->symptom_runs > oracle_runs(c) ? c->symptom_runs
                                                      : oracle_runs(c);

        c->grounds |= broke_grounds(c) | (orc ? GROUND_ORACLES : 0u) |
                      (c->nfindings ? GROUND_FINDINGS : 0u);
        if (c->hangs || c->crashes)
            set_verdict(c, CELL_FAIL, "fixed variant: %zu hangs, %zu crashes "
                        "in %zu runs", c->hangs, c->crashes, n);
        else if (orc)
            set_verdict(c, CELL_FAIL, "fixed variant: an oracle fired in "
                        "%zu/%zu runs (%s)", orc, n, first_oracles(c));
        else if (c->nfindings)      /* an exit status, say */
            set_verdict(c, CELL_FAIL, "fixed variant: %zu unique finding(s) "
                        "in %zu/%zu runs", c->nfindings, c->finding_runs, n);
        else
            set_verdict(c, CELL_PASS, "every oracle clean in %zu runs", n);
        return;
    }
    if (!c->expect.symptom) {
        c->grounds |= c->detected_runs ? GROUND_ORACLES : 0u;
        if (c->detected_runs)
            set_verdict(c, CELL_FAIL, "unexpected symptom in %zu/%zu runs",
                        c->detected_runs, n);
        else
            set_verdict(c, CELL_PASS, "no symptom in %zu runs, as expected", n);
        return;
    }
    if (c->detected_runs == 0) {
        c->grounds |= GROUND_MISSED;
        missed(c, n, "the symptom");
        return;
    }
    c->grounds |= GROUND_DETECTED;
    set_verdict(c, CELL_PASS, "symptom in %zu/%zu runs (%zu crashes, %zu "
                "hangs), first at run %ld", c->detected_runs, n, c->crashes,
                c->hangs, c->first_detection_run);
}

static void verdict_fixed(struct cell_result *c)
{
    char kinds[256];
    unsigned stray = found_kinds(c, false) &
                     (c->expect.false_positive ? ~c->expect.kinds : ~0u);
    size_t n = c->total_runs - c->env_errors;

    c->grounds |= broke_grounds(c) | (stray ? GROUND_FINDINGS : 0u) |
                  (oracle_runs(c) ? GROUND_ORACLES : 0u);
    kinds_text(found_kinds(c, false), kinds, sizeof kinds);
    if (c->hangs || c->crashes)
        set_verdict(c, CELL_FAIL, "fixed variant: %zu hangs, %zu crashes in "
                    "%zu runs", c->hangs, c->crashes, n);
    else if (stray)
        set_verdict(c, CELL_FAIL, "fixed variant: %zu unique finding(s) (%s) "
                    "in %zu/%zu runs", c->nfindings, kinds, c->finding_runs, n);
    else if (oracle_runs(c))
        set_verdict(c, CELL_FAIL, "fixed variant: an oracle fired in %zu/%zu "
                    "runs (%s)", oracle_runs(c), n, first_oracles(c));
    else if (c->nfindings)
        set_verdict(c, CELL_PASS, "documented false positive (%s) in %zu/%zu "
                    "runs", kinds, c->finding_runs, n);
    else
        set_verdict(c, CELL_PASS, "no findings and every oracle clean in %zu "
                    "runs", n);
}

/* A buggy cell whose manifest expects no finding, or documents a trap. */
static void verdict_buggy_special(struct cell_result *c, const char *got,
                                  size_t n)
{
    if (c->expect.kinds == 0) {
        c->grounds |= c->nfindings ? GROUND_FINDINGS : 0u;
        if (c->nfindings)
            set_verdict(c, CELL_FAIL, "expected no findings, got %zu unique "
                        "(%s) in %zu/%zu runs", c->nfindings, got,
                        c->finding_runs, n);
        else
            set_verdict(c, CELL_PASS, "no findings in %zu runs, as expected", n);
        return;
    }
    if (found_kinds(c, false) & ~c->expect.kinds) {
        c->grounds |= GROUND_FINDINGS;
        set_verdict(c, CELL_FAIL, "findings beyond the documented trap: "
                    "%s in %zu/%zu runs", got, c->finding_runs, n);
    } else if (c->nfindings == 0) {
        c->grounds |= GROUND_MISSED;
        missed(c, n, "the documented false positive");
    } else {
        c->grounds |= GROUND_DETECTED;
        set_verdict(c, CELL_PASS, "documented false positive (%s) in "
                    "%zu/%zu runs", got, c->finding_runs, n);
    }
}

static void verdict_buggy(struct cell_result *c)
{
    char want[256], got[256];
    unsigned missing;
    size_t n = c->total_runs - c->env_errors;

    kinds_text(c->expect.kinds, want, sizeof want);
    kinds_text(found_kinds(c, false), got, sizeof got);
    if (c->expect.kinds == 0 || c->expect.false_positive) {
        verdict_buggy_special(c, got, n);
        return;
    }
    missing = c->expect.kinds & ~found_kinds(c, true);
    if (missing && c->detected_runs == 0 && c->fp > 0) {
        c->grounds |= GROUND_MISSED | GROUND_FINDINGS;
        set_verdict(c, CELL_FAIL, "expected %s at the known locations; found "
                    "only %s elsewhere (%zu unexpected finding(s)) in %zu runs",
                    want, got, c->fp, n);
        return;
    }
    if (missing) {
        char what[300];

        c->grounds |= GROUND_MISSED;
        kinds_text(missing, want, sizeof want);
        snprintf(what, sizeof what, "%s at the known locations", want);
        missed(c, n, what);
        return;
    }
    c->grounds |= GROUND_DETECTED;
    set_verdict(c, CELL_PASS, "%s detected in %zu/%zu runs, first at run %ld "
                "(%.1f s)%s", want, c->detected_runs, n, c->first_detection_run,
                c->first_detection_seconds, c->fp ? ", plus unexpected findings"
                : "");
}

static void verdict_stress(struct cell_result *c)
{
    size_t n = c->total_runs - c->env_errors;
    size_t orc = oracle_runs(c);

    c->grounds |= broke_grounds(c) | (c->nfindings ? GROUND_FINDINGS : 0u) |
                  (c->symptom_runs || orc ? GROUND_ORACLES : 0u);
    if (c->nfindings || c->hangs || c->crashes)
        set_verdict(c, CELL_FAIL, "%zu unique finding(s) in %zu/%zu runs, "
                    "%zu hangs, %zu crashes", c->nfindings, c->finding_runs, n,
                    c->hangs, c->crashes);
    else if (c->symptom_runs || orc)
        set_verdict(c, CELL_FAIL, "an oracle fired in %zu/%zu runs (%s)",
                    c->symptom_runs > orc ? c->symptom_runs : orc, n,
                    first_oracles(c));
    else
        set_verdict(c, CELL_PASS, "clean in %zu runs", n);
}

/* The first reason of a run with outcome O (env-error or tool-error). */
static const char *first_reason(const struct cell_result *c,
                                bool (*pick)(const struct run_record *))
{
    for (size_t i = 0; i < c->nruns; i++)
        if (pick(&c->runs[i]) && c->runs[i].reason)
            return c->runs[i].reason;
    return "no reason recorded";
}

/* Phase 6: a systematic exploration (racelab cc programs, --chaos dfs)
 * says what it covered: the verdict and the guarantee carry it, so every report format
 * (table, JSON, HTML, JUnit) states the bound, or that it was not
 * exhausted. */
static void add_sched_bound(struct cell_result *c)
{
    const char *b = NULL;
    for (size_t i = 0; i < c->nruns && !b; i++)
        b = c->runs[i].sched_bound;
    if (!b)
        return;
    char *v = malloc(strlen(c->verdict ? c->verdict : "") + strlen(b) + 3);
    if (!v)
        return;
    sprintf(v, "%s%s%s", c->verdict ? c->verdict : "", c->verdict ? "; " : "", b);
    free(c->verdict);
    c->verdict = v;
    if (!c->guarantee)
        c->guarantee = strdup(b);
}


static bool tool_failed_after_findings(const struct run_record *r)
{
    return r->outcome == RUN_TOOL_ERROR && !run_void(r);
}

/* Phase 1: what the runs show, against the manifest's expectation. */
static void judge_evidence(struct cell_result *c)
{
    if (c->env_errors) {
        for (size_t i = 0; i < c->nruns; i++)
            if (run_void(&c->runs[i]))
                c->grounds |= c->runs[i].outcome == RUN_TOOL_ERROR
                              ? GROUND_TOOL_ERROR : GROUND_ENV_ERROR;
        set_verdict(c, CELL_ERROR, "%zu of %zu runs could not run: %s",
                    c->env_errors, c->total_runs, first_reason(c, run_void));
    } else if (c->total_runs == 0) {
        set_verdict(c, CELL_ERROR, "no runs");
    } else if (!c->expect.known) {
        verdict_stress(c);
    } else if (is_none_tool(c)) {
        verdict_none(c);
    } else if (rl_cell_is_fixed(c)) {
        verdict_fixed(c);
    } else {
        verdict_buggy(c);
    }
}

/* Phase 3: runs whose tool failed after it reported findings.  Their
 * findings count (phase 1); a cell that fails on the evidence fails and
 * says the tool then failed; one that would pass or stay undecided is an
 * error, since a failed tool vouches for nothing it did not report. */
static void judge_tool_failure(struct cell_result *c)
{
    const char *why;
    char *before;

    if (!c->tool_failed_runs || c->status == CELL_ERROR)
        return;
    c->grounds |= GROUND_TOOL_ERROR;
    why = first_reason(c, tool_failed_after_findings);
    if (c->status == CELL_FAIL) {
        note(c, "; ", "the tool then failed in %zu of %zu runs: %s",
             c->tool_failed_runs, c->total_runs, why);
        return;
    }
    before = c->verdict;
    c->verdict = NULL;
    set_verdict(c, CELL_ERROR, "the tool failed in %zu of %zu runs after its "
                "findings (%s); before it failed: %s", c->tool_failed_runs,
                c->total_runs, why, before ? before : "");
    free(before);
}

/* --- the judge's later phases: baseline, merge state, notes ------------- */

/* Runs that broke in a way a baseline never hides. */
static bool runs_broke(const struct cell_result *c)
{
    if (c->hangs || c->crashes || (c->symptom_runs && !c->expect.symptom))
        return true;
    for (size_t i = 0; i < c->nruns; i++)
        if (c->runs[i].oracles)
            return true;
    return false;
}

/* Cells in which any finding is a failure (as opposed to buggy cells that
 * are meant to show one). */
static bool expects_none(const struct cell_result *c)
{
    return !c->expect.known || rl_cell_is_fixed(c) || c->expect.kinds == 0;
}

/* Phase 2 (--baseline): reads the findings' baseline states and the
 * counts cell_apply_baseline() set.  A FAIL from known findings alone (in
 * a cell that expects none) passes; a PASS with a new finding that is
 * neither a true positive nor a documented trap fails. */
static void judge_baseline(struct cell_result *c)
{
    size_t bad_new = 0;

    if (!c->baseline_used)
        return;
    for (size_t i = 0; i < c->nfindings; i++) {
        const struct unique_finding *u = &c->findings[i];

        bad_new += u->baseline == BASELINE_NEW && !unique_finding_is_tp(c, u) &&
                   !u->expected_false_positive;
    }
    if (c->status == CELL_FAIL && c->nfindings && c->baseline_new == 0 &&
        expects_none(c) && !runs_broke(c)) {
        c->grounds = (c->grounds & ~GROUND_FINDINGS) | GROUND_BASELINE_KNOWN;
        set_verdict(c, CELL_PASS, "only known findings: %zu unique, all in "
                    "the baseline, in %zu/%zu runs", c->nfindings,
                    c->finding_runs, c->total_runs - c->env_errors);
    } else if (c->status == CELL_PASS && bad_new) {
        char *was = c->verdict;

        c->verdict = NULL;
        c->grounds |= GROUND_BASELINE_NEW;
        set_verdict(c, CELL_FAIL, "%zu new finding(s) not in the baseline "
                    "(was: %s)", bad_new, was ? was : "pass");
        free(was);
    }
    if (c->baseline_related)
        note(c, " ", "[baseline: %zu new, %zu known (%zu by object), "
             "%zu fixed]", c->baseline_new, c->baseline_known,
             c->baseline_related, c->baseline_fixed);
    else
        note(c, " ", "[baseline: %zu new, %zu known, %zu fixed]",
             c->baseline_new, c->baseline_known, c->baseline_fixed);
}

/* Phase 4 (racelab merge --allow-partial): a shard missing or given twice
 * makes the cell partial.  Its failures stand (the evidence is there); a
 * pass is not one on part of the runs: inconclusive. */
static void judge_partial(struct cell_result *c)
{
    if (!c->merge_partial)
        return;
    c->grounds |= GROUND_PARTIAL;
    if (c->status == CELL_PASS) {
        char *was = c->verdict;

        c->verdict = NULL;
        set_verdict(c, CELL_INCONCLUSIVE, "partial merge (%s): %zu runs, not "
                    "every run the gate owed; would pass: %s", c->merge_partial,
                    c->total_runs, was ? was : "pass");
        free(was);
    } else {
        note(c, "; ", "partial merge (%s)", c->merge_partial);
    }
}

/* "95%", "99.9%" */
static void percent(char *buf, size_t len, double p)
{
    snprintf(buf, len, "%.6g%%", 100.0 * p);
}

/* Phase 5a: --min-rate/--confidence, the guarantee the clean runs give. */
static void judge_guarantee(struct cell_result *c)
{
    size_t valid = c->total_runs - c->env_errors, need, first = 0;
    char buf[512], pc[32];
    /* What the tool could have seen: without a detector (tool none) only a
     * crash or a hang shows, never a race. */
    bool detector = !c->tool || strcmp(c->tool, "none") != 0;
    const char *seen = detector ? "race" : "crash or hang";
    const char *why = detector ? "" : " (tool none: races are not detected)";

    free(c->guarantee);
    c->guarantee = NULL;
    if (!(c->min_rate > 0 && c->confidence > 0) || c->status == CELL_ERROR)
        return;
    need = runs_for_confidence(c->min_rate, c->confidence);
    percent(pc, sizeof pc, c->confidence);
    for (size_t i = 0; i < c->nruns && c->runs[i].nfindings == 0 &&
                       c->runs[i].outcome != RUN_FINDING; i++)
        first += 1 + c->runs[i].folded;     /* runs, not records */
    if (c->detected_runs || c->finding_runs) {
        snprintf(buf, sizeof buf, "found at run %zu of %zu: no guarantee "
                 "needed", first + 1, need);
    } else if (valid >= need) {
        snprintf(buf, sizeof buf, "no %s with per-run rate >= %g at %s: "
                 "%zu runs%s", seen, c->min_rate, pc, valid, why);
    } else {
        char got[32];

        percent(got, sizeof got, 1.0 - pow(1.0 - c->min_rate, (double)valid));
        snprintf(buf, sizeof buf, "no %s with per-run rate >= %g at %s "
                 "only: %zu runs of the %zu needed for %s%s", seen, c->min_rate,
                 got, valid, need, pc, why);
    }
    c->guarantee = rl_strdup(buf);
    note(c, "; ", "%s", buf);
}

/* The next intermittent finding of C after fingerprint AFTER (NULL: the
 * first), in fingerprint order: the notes read the same whatever order
 * the findings were folded in (one process, or shards merged). */
static const struct unique_finding *next_intermittent(const struct cell_result *c,
                                                      const char *after)
{
    const struct unique_finding *best = NULL;

    for (size_t i = 0; i < c->nfindings; i++) {
        const struct unique_finding *u = &c->findings[i];
        const char *fp = u->finding.fingerprint;

        if (!unique_finding_is_intermittent(c, u) ||
            (after && strcmp(fp, after) <= 0))
            continue;
        if (!best || strcmp(fp, best->finding.fingerprint) < 0)
            best = u;
    }
    return best;
}

/* Phase 5b: intermittent findings, and the reports suppressions hid. */
static void judge_notes(struct cell_result *c)
{
    size_t valid = c->total_runs - c->env_errors;
    const struct unique_finding *u = NULL;

    judge_guarantee(c);
    while ((u = next_intermittent(c, u ? u->finding.fingerprint : NULL))) {
        char label[768];

        /* by name, never the hex alone */
        finding_label(&u->finding, label, sizeof label);
        note(c, "; ", "intermittent: %s %s [%s] in %zu/%zu runs (%.0f%%)",
             finding_kind_name(u->finding.kind), label + strcspn(label, ":") + 1,
             u->finding.fingerprint, u->runs_seen, valid,
             valid ? 100.0 * (double)u->runs_seen / (double)valid : 0.0);
    }
    if (c->suppressions && c->suppressed)
        note(c, "; ", "%zu report(s) suppressed (%s)", c->suppressed,
             c->suppressions);
}

bool unique_finding_is_intermittent(const struct cell_result *c,
                                    const struct unique_finding *u)
{
    return u->runs_seen < c->total_runs - c->env_errors;
}

const char *cell_ground_name(unsigned ground)
{
    switch (ground) {
    case GROUND_DETECTED: return "detected";
    case GROUND_MISSED: return "missed";
    case GROUND_FINDINGS: return "findings";
    case GROUND_HANG: return "hang";
    case GROUND_CRASH: return "crash";
    case GROUND_ORACLES: return "oracles";
    case GROUND_ENV_ERROR: return "env-error";
    case GROUND_TOOL_ERROR: return "tool-error";
    case GROUND_BASELINE_NEW: return "baseline-new";
    case GROUND_BASELINE_KNOWN: return "baseline-known";
    case GROUND_PARTIAL: return "partial";
    }
    return NULL;
}

void cell_judge(struct cell_result *c)
{
    c->runs_needed = 0;
    c->grounds = 0;
    count_runs(c);
    score(c);
    judge_evidence(c);
    judge_baseline(c);
    judge_tool_failure(c);
    judge_partial(c);
    judge_notes(c);
    add_sched_bound(c);
}

int cells_exit_status(const struct cell_result *cells, size_t n, bool strict)
{
    bool failed = false;

    for (size_t i = 0; i < n; i++) {
        if (cells[i].status == CELL_ERROR)
            return 3;
        if (cells[i].status == CELL_FAIL ||
            (strict && cells[i].status == CELL_INCONCLUSIVE))
            failed = true;
    }
    return failed ? 1 : 0;
}
