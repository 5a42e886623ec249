/* write_html.c - one self-contained page (no scripts, no external assets,
 * works offline): a summary line, the detection matrix (rows scenario x
 * variant, a column per tool) with each cell's status and verdict, then
 * per cell its runs, each hang's wait-for cycle as an SVG graph, and every
 * unique finding with its two accesses side by side, tool frames hidden,
 * and the source lines around each site. */
#include "diagnosis.h"
#include "result.h"
#include "report_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define H(f, s) rl_xml_escape((f), (s))

/* Findings and runs listed per cell; a note counts the rest. */
enum { MAX_FINDINGS = 50, MAX_RUNS = 200, MAX_HANGS = 3, EXCERPT_CONTEXT = 2 };

const char rl_html_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #bbb;padding:.3em .6em;vertical-align:top}"
    "th{background:#eee}"
    ".pass{background:#d8f0d8}.fail{background:#f6d0d0}"
    ".inconclusive{background:#fbefc4}.error{background:#e4d8f4}"
    "td.none{background:#f4f4f4;color:#888}.small{font-size:85%;color:#444}"
    ".summary{font-size:120%;padding:.4em .6em;border:1px solid #bbb;"
    "display:inline-block}"
    ".verdict{font-size:85%;max-width:28em;margin-top:.2em}"
    "p.verdict{max-width:none;font-size:100%}"
    ".badge{padding:0 .4em;border:1px solid #999;border-radius:3px}"
    "pre{background:#f7f7f7;padding:.5em;overflow-x:auto;margin:.2em 0}"
    ".fp{color:#8a6d00}.tp{color:#126b12}.bad{color:#a00}"
    ".cell{border-top:2px solid #ccc;margin-top:1.5em}"
    ".finding{margin:1em 0;padding:.5em;border:1px solid #ddd}"
    ".finding.new{border:2px solid #c00;background:#fff6f6}"
    ".newmark{background:#c00;color:#fff;padding:0 .4em;border-radius:3px}"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
    ".side{min-width:0;border-left:3px solid #9ab;padding-left:.6em}"
    ".side h5{margin:.2em 0;font-size:100%}"
    ".frames{margin:.2em 0;padding-left:2.2em;font-family:monospace}"
    ".frames .loc{color:#555}.hidden-note{color:#888;list-style:none}"
    ".src .ln{color:#999;display:inline-block;width:4em}"
    ".src mark{background:#ffe58a;display:inline-block;width:100%}"
    "svg.waitfor{border:1px solid #ddd;background:#fff;max-width:100%}"
    "svg .thread ellipse{fill:#e6f0ff;stroke:#36c}"
    "svg .mutex rect{fill:#fff3e0;stroke:#c80}"
    "svg text{font:12px sans-serif;text-anchor:middle}"
    "svg .edge line{stroke-width:2}"
    "svg .waits line{stroke:#c00}svg .holds line{stroke:#080;"
    "stroke-dasharray:5 3}"
    "svg .elabel{font-size:11px;paint-order:stroke;stroke:#fff;"
    "stroke-width:3px}";

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Distinct tools, scenario/variant rows, in first-seen order. */
static size_t distinct_tools(const struct cell_result *c, size_t n,
                             const char **tools, size_t max)
{
    size_t nt = 0;

    for (size_t i = 0; i < n; i++) {
        size_t j = 0;

        while (j < nt && !same(tools[j], c[i].tool))
            j++;
        if (j == nt && nt < max)
            tools[nt++] = c[i].tool;
    }
    return nt;
}

static bool row_seen_before(const struct cell_result *c, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (same(c[j].scenario, c[i].scenario) && same(c[j].variant, c[i].variant))
            return true;
    return false;
}

/* Index of the cell of ROW's scenario and variant under TOOL, or -1. */
static long find_cell(const struct cell_result *c, size_t n,
                      const struct cell_result *row, const char *tool)
{
    for (size_t i = 0; i < n; i++)
        if (same(c[i].scenario, row->scenario) &&
            same(c[i].variant, row->variant) && same(c[i].tool, tool))
            return (long)i;
    return -1;
}

static void summary_line(FILE *f, const struct cell_result *c, size_t n,
                         const char *command)
{
    size_t k[4] = {0};

    for (size_t i = 0; i < n; i++)
        k[c[i].status]++;
    fprintf(f, "<p id=\"summary\" class=\"summary\">%zu cell%s: "
            "<span class=\"pass\">%zu pass</span>, "
            "<span class=\"fail\">%zu fail</span>, "
            "<span class=\"inconclusive\">%zu inconclusive</span>, "
            "<span class=\"error\">%zu error</span></p>\n",
            n, n == 1 ? "" : "s", k[CELL_PASS], k[CELL_FAIL],
            k[CELL_INCONCLUSIVE], k[CELL_ERROR]);
    if (command) {
        fputs("<p id=\"command\">command: <code>", f);
        H(f, command);
        fputs("</code></p>\n", f);
    }
}

static void matrix_cell(FILE *f, const struct cell_result *cells, long i)
{
    const struct cell_result *c;

    if (i < 0) {
        fputs("<td class=\"none\">&ndash;</td>", f);
        return;
    }
    c = &cells[i];
    fprintf(f, "<td class=\"%s\"><a href=\"#cell-%ld\"><b>%s</b></a> %zu/%zu"
            "<div class=\"verdict\">", cell_status_name(c->status), i,
            rl_status_upper(c->status), c->detected_runs,
            c->total_runs - c->env_errors);
    H(f, c->verdict);
    fprintf(f, "</div><span class=\"small\">CI95 [%.2f, %.2f]", c->rate_lo,
            c->rate_hi);
    if (c->first_detection_run > 0)
        fprintf(f, "<br>first: run %ld, %.1f s", c->first_detection_run,
                c->first_detection_seconds);
    fprintf(f, "<br>TP %zu FP %zu FN %zu</span></td>", c->tp, c->fp, c->fn);
}

static void matrix(FILE *f, const struct cell_result *c, size_t n)
{
    const char *tools[32];
    size_t nt = distinct_tools(c, n, tools, 32);

    fputs("<h2>Detection matrix</h2>\n<table id=\"matrix\">\n<tr>"
          "<th>scenario</th><th>variant</th>", f);
    for (size_t t = 0; t < nt; t++) {
        fputs("<th>", f);
        H(f, tools[t] ? tools[t] : "?");
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        if (row_seen_before(c, i))
            continue;
        fputs("<tr><td>", f);
        H(f, c[i].scenario ? c[i].scenario : "?");
        fputs("</td><td>", f);
        H(f, c[i].variant ? c[i].variant : "stress");
        fputs("</td>", f);
        for (size_t t = 0; t < nt; t++)
            matrix_cell(f, c, find_cell(c, n, &c[i], tools[t]));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* --- runs ------------------------------------------------------------- */

/* Record R, the runs from number FIRST on (1-based; a folded record is
 * the range of clean runs it stands for). */
static void run_row(FILE *f, size_t first, const struct run_record *r)
{
    if (r->folded)
        fprintf(f, "<tr class=\"run\"><td>%zu&ndash;%zu</td><td>%s (%zu runs)", first,
                first + r->folded, run_outcome_name(r->outcome), r->folded + 1);
    else
        fprintf(f, "<tr class=\"run\"><td>%zu</td><td>%s", first,
                run_outcome_name(r->outcome));
    if (r->outcome == RUN_CRASH)
        fprintf(f, " (signal %d)", r->signal);
    fprintf(f, "</td><td>%lu</td><td>%.2f</td><td>", r->seed, r->seconds);
    if (r->first_finding_seconds >= 0)
        fprintf(f, "%.2f s", r->first_finding_seconds);
    else
        fputs("-", f);
    fprintf(f, "</td><td>%zu</td><td>", r->nfindings);
    if (r->oracles)
        H(f, r->oracles);
    if (r->symptom && r->symptom_detail) {
        if (r->oracles)
            fputs("<br>", f);
        fputs("symptom: ", f);
        H(f, r->symptom_detail);
    }
    fputs("</td><td>", f);
    H(f, r->reason);
    fputs("</td></tr>\n", f);
}

static void runs_table(FILE *f, const struct cell_result *c)
{
    size_t shown = c->nruns < MAX_RUNS ? c->nruns : MAX_RUNS;

    if (c->nruns == 0)
        return;
    fputs("<table class=\"runs\"><tr><th>run</th><th>outcome</th><th>seed</th>"
          "<th>seconds</th><th>first finding</th><th>findings</th>"
          "<th>oracles</th><th>reason</th></tr>\n", f);
    size_t first = 1;
    for (size_t i = 0; i < shown; i++) {
        run_row(f, first, &c->runs[i]);
        first += 1 + c->runs[i].folded;
    }
    fputs("</table>\n", f);
    if (shown < c->nruns)
        fprintf(f, "<p class=\"small\">&hellip; %zu more runs (see the JSON)"
                "</p>\n", c->total_runs - (first - 1));
}

/* --- stacks and source ------------------------------------------------ */

static void frame_loc(FILE *f, const struct frame *fr)
{
    if (!fr->file)
        return;
    H(f, rl_source_relative(fr->file));
    if (fr->line > 0)
        fprintf(f, ":%d", fr->line);
}

static void excerpt_html(FILE *f, const struct frame *fr)
{
    struct rl_source_line lines[2 * EXCERPT_CONTEXT + 1];
    size_t k;

    if (!fr || !fr->file || fr->line <= 0)
        return;
    k = rl_source_excerpt(fr->file, fr->line, EXCERPT_CONTEXT, lines,
                          sizeof lines / sizeof lines[0]);
    if (k == 0) {
        fputs("<p class=\"small nosrc\">source not readable here</p>\n", f);
        return;
    }
    fputs("<pre class=\"src\">", f);
    for (size_t i = 0; i < k; i++) {
        bool hl = lines[i].no == fr->line;

        if (hl)
            fputs("<mark class=\"hl\">", f);
        fprintf(f, "<span class=\"ln\">%d</span>", lines[i].no);
        H(f, lines[i].text);
        fputs(hl ? "</mark>\n" : "\n", f);
    }
    fputs("</pre>\n", f);
}

static void stack_head(FILE *f, const struct stack *s)
{
    H(f, s->role ? s->role : "stack");
    if (s->thread >= 0)
        fprintf(f, " (thread %d)", s->thread);
    if (s->nlocks) {
        fputs(" holding ", f);
        for (size_t i = 0; i < s->nlocks; i++) {
            if (i)
                fputs(", ", f);
            H(f, s->locks_held[i]);
        }
    }
}

/* The innermost frame of S in the program (not a library or a system
 * header: the std::map or memcpy a program called is not what to read)
 * with a line; else the innermost that is not noise and has a line (an
 * inlined frame can have none); else rl_top_frame(S). */
static const struct frame *lined_top_frame(const struct stack *s)
{
    for (size_t i = 0; s && i < s->nframes; i++)
        if (frame_is_program(&s->frames[i]) && s->frames[i].line > 0)
            return &s->frames[i];
    for (size_t i = 0; s && i < s->nframes; i++)
        if (!frame_is_noise(&s->frames[i]) && s->frames[i].file && s->frames[i].line > 0)
            return &s->frames[i];
    return rl_top_frame(s);
}

/* A stack's frames without the noise, and the source around its top. */
static void stack_body(FILE *f, const struct stack *s, bool with_source)
{
    size_t hidden = rl_noise_frames(s);

    fputs("<ol class=\"frames\" start=\"0\">", f);
    for (size_t i = 0; i < s->nframes; i++) {
        const struct frame *fr = &s->frames[i];

        if (frame_is_noise(fr))
            continue;
        fputs("<li><span class=\"fn\">", f);
        H(f, fr->function ? fr->function : "??");
        fputs("</span> <span class=\"loc\">", f);
        frame_loc(f, fr);
        fputs("</span></li>", f);
    }
    if (hidden)
        fprintf(f, "<li class=\"hidden-note\">%zu tool frame%s hidden</li>",
                hidden, hidden == 1 ? "" : "s");
    fputs("</ol>\n", f);
    if (with_source)
        excerpt_html(f, lined_top_frame(s));
}

static void side_html(FILE *f, const char *label, const struct stack *s)
{
    fprintf(f, "<div class=\"side side-%s\"><h5>%s: ", label,
            label[0] == 'a' ? "access A" : "access B");
    if (!s) {
        fputs("none</h5><p class=\"small\">the tool's report names no "
              "other access</p></div>\n", f);
        return;
    }
    stack_head(f, s);
    fputs("</h5>\n", f);
    stack_body(f, s, true);
    fputs("</div>\n", f);
}

void rl_html_finding(FILE *f, const struct cell_result *c,
                     const struct unique_finding *u, bool classify)
{
    const struct stack *a, *b;
    size_t rest = 0;
    bool tp = unique_finding_is_tp(c, u);
    const char *cls = tp ? "tp" : u->expected_false_positive ? "fp" : "bad";
    const char *what = tp ? "true positive"
                     : u->expected_false_positive ? "expected false positive"
                     : unique_finding_is_fp(c, u) ? "false positive"
                     : "unclassified";

    char label[1024];

    fprintf(f, "<div class=\"finding%s\"><p>%s<b class=\"%s\">%s</b> "
            "&middot; <code>", u->baseline == BASELINE_NEW ? " new" : "",
            u->baseline == BASELINE_NEW ? "<span class=\"newmark\">NEW</span> "
            : u->baseline_related[0] ? "<span class=\"small\">known by object"
            "</span> " : u->baseline == BASELINE_KNOWN ? "<span class=\"small\">known"
            "</span> " : "", cls, finding_kind_name(u->finding.kind));
    H(f, finding_label(&u->finding, label, sizeof label));
    fprintf(f, "</code>%s%s &middot; fingerprint <code>%s</code> &middot; seen in "
            "%zu runs<br>", classify ? " &middot; " : "", classify ? what : "",
            u->finding.fingerprint, u->runs_seen);
    H(f, u->finding.summary);
    fputs("</p>\n<div class=\"pair\">\n", f);
    rl_finding_sites(&u->finding, &a, &b);
    side_html(f, "a", a);
    side_html(f, "b", b);
    fputs("</div>\n", f);
    for (size_t s = 0; s < u->finding.nstacks; s++)
        rest += &u->finding.stacks[s] != a && &u->finding.stacks[s] != b;
    if (rest) {
        fprintf(f, "<details><summary>%zu more stack%s (context)</summary>\n",
                rest, rest == 1 ? "" : "s");
        for (size_t s = 0; s < u->finding.nstacks; s++) {
            const struct stack *st = &u->finding.stacks[s];

            if (st == a || st == b)
                continue;
            fputs("<div class=\"context\"><h5>", f);
            stack_head(f, st);
            fputs("</h5>\n", f);
            stack_body(f, st, false);
            fputs("</div>\n", f);
        }
        fputs("</details>\n", f);
    }
    fputs("</div>\n", f);
}

/* --- hangs: the wait-for cycle as a ring of threads and mutexes ---------- */

/* Up to MAX bytes of S, with "..." when cut; into BUF. */
static const char *clip(const char *s, char *buf, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return s;
    snprintf(buf, max + 4, "%.*s...", (int)max, s);
    return buf;
}

static void svg_text(FILE *f, double x, double y, const char *cls,
                     const char *s)
{
    char buf[64];

    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\"%s%s%s>", x, y,
            cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    H(f, clip(s, buf, 26));
    fputs("</text>", f);
}

/* An edge from node A to node B, cut short of both, labelled LABEL. */
static void svg_edge(FILE *f, const char *cls, const char *marker,
                     double ax, double ay, double bx, double by,
                     const char *label)
{
    double dx = bx - ax, dy = by - ay, d = sqrt(dx * dx + dy * dy);
    double cut = 52, ux = d > 0 ? dx / d : 0, uy = d > 0 ? dy / d : 0;

    fprintf(f, "<g class=\"edge %s\"><line x1=\"%.0f\" y1=\"%.0f\" "
            "x2=\"%.0f\" y2=\"%.0f\" marker-end=\"url(#%s)\"/>", cls,
            ax + ux * cut, ay + uy * cut, bx - ux * cut, by - uy * cut,
            marker);
    svg_text(f, (ax + bx) / 2, (ay + by) / 2 - 4, "elabel", label);
    fputs("</g>\n", f);
}

static void cycle_svg(FILE *f, const struct rl_wait *w, size_t k,
                      const char *id)
{
    size_t nodes = 2 * k;
    double r = 100 + 30.0 * (double)k, cx = r + 110, cy = r + 50;
    double px[32], py[32];
    const double pi = 3.14159265358979323846;

    for (size_t i = 0; i < nodes; i++) {
        double a = -pi / 2 + 2 * pi * (double)i / (double)nodes;

        px[i] = cx + r * cos(a);
        py[i] = cy + r * sin(a);
    }
    fprintf(f, "<svg class=\"waitfor\" xmlns=\"http://www.w3.org/2000/svg\" "
            "role=\"img\" aria-label=\"mutex wait-for cycle\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
            "<defs><marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"9\" "
            "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
            "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n",
            2 * cx, 2 * cy, 2 * cx, 2 * cy, id);
    /* Thread j waits for mutex j, which thread j+1 holds. */
    for (size_t j = 0; j < k; j++) {
        size_t t = 2 * j, m = 2 * j + 1, next = (2 * j + 2) % nodes;

        svg_edge(f, "waits", id, px[t], py[t], px[m], py[m], "waits for");
        svg_edge(f, "holds", id, px[next], py[next], px[m], py[m], "holds");
    }
    for (size_t j = 0; j < k; j++) {
        size_t t = 2 * j, m = 2 * j + 1;
        char label[64];
        const char *where = strrchr(w[j].where, '/');

        snprintf(label, sizeof label, "thread %ld", w[j].thread);
        fprintf(f, "<g class=\"node thread\" data-thread=\"%ld\"><title>",
                w[j].thread);
        H(f, w[j].where);
        fprintf(f, "</title><ellipse cx=\"%.0f\" cy=\"%.0f\" rx=\"92\" "
                "ry=\"26\"/>", px[t], py[t]);
        svg_text(f, px[t], py[t] - 2, NULL, label);
        svg_text(f, px[t], py[t] + 13, "small", where ? where + 1 : w[j].where);
        fputs("</g>\n<g class=\"node mutex\"><title>", f);
        H(f, w[j].wait_addr);
        fprintf(f, "</title><rect x=\"%.0f\" y=\"%.0f\" width=\"150\" "
                "height=\"40\" rx=\"4\"/>", px[m] - 75, py[m] - 20);
        svg_text(f, px[m], py[m] - 3, NULL, w[j].wait_name);
        svg_text(f, px[m], py[m] + 13, "small", w[j].wait_addr);
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
}

void rl_html_hang(FILE *f, size_t cell, size_t run, const char *rep)
{
    struct rl_wait w[16];
    size_t k = rl_parse_wait_cycle(rep, w, 16);
    char id[48], file[256];
    struct frame fr;

    fprintf(f, "<div class=\"hang\"><h4>hang in run %zu</h4>\n", run + 1);
    if (k > 0) {
        snprintf(id, sizeof id, "arrow-%zu-%zu", cell, run);
        fprintf(f, "<p>deadlock: a wait-for cycle of %zu threads</p>\n", k);
        cycle_svg(f, w, k, id);
        fputs("<ol class=\"cycle\">", f);
        for (size_t j = 0; j < k; j++) {
            fprintf(f, "<li>thread %ld holds <code>", w[j].thread);
            H(f, w[j].held_name);
            fputs("</code> and waits for <code>", f);
            H(f, w[j].wait_name);
            fputs("</code> at ", f);
            H(f, w[j].where);
            if (rl_where_frame(w[j].where, file, sizeof file, &fr))
                excerpt_html(f, &fr);
            fputs("</li>", f);
        }
        fputs("</ol>\n", f);
    } else {
        fputs("<p>", f);
        H(f, "no wait-for cycle found in the report");
        fputs("</p>\n", f);
    }
    fputs("<details><summary>hang report</summary><pre>", f);
    H(f, rep);
    fputs("</pre></details></div>\n", f);
}

/* --- per cell ----------------------------------------------------------- */

static void cell_html(FILE *f, const struct cell_result *c, size_t i)
{
    size_t hangs = 0;

    fprintf(f, "<section class=\"cell\" id=\"cell-%zu\"><h3>", i);
    H(f, or_dash(c->scenario));
    fputs(" / ", f);
    H(f, c->variant ? c->variant : "stress");
    fputs(" / ", f);
    H(f, or_dash(c->tool));
    fprintf(f, " <span class=\"badge %s\">%s</span></h3>\n",
            cell_status_name(c->status), rl_status_upper(c->status));
    fputs("<p class=\"verdict\">", f);
    H(f, c->verdict);
    fputs("</p>\n<p class=\"small\">", f);
    fprintf(f, "%zu runs, %zu detecting, %zu with findings, %zu symptom, "
            "%zu hangs, %zu crashes, %zu env errors", c->total_runs,
            c->detected_runs, c->finding_runs, c->symptom_runs, c->hangs,
            c->crashes, c->env_errors);
    if (c->status == CELL_INCONCLUSIVE && c->runs_needed)
        fprintf(f, "; %zu runs would decide", c->runs_needed);
    if (c->expect.rate) {
        fputs("; recorded rate ", f);
        H(f, c->expect.rate);
    }
    if (c->guarantee) {
        fputs("; ", f);
        H(f, c->guarantee);
    }
    fputs("</p>\n", f);
    runs_table(f, c);
    size_t number = 0;  /* the run's, not the record's: records fold runs */
    for (size_t r = 0; r < c->nruns && hangs < MAX_HANGS; number += 1 + c->runs[r++].folded)
        if (c->runs[r].hang_report) {
            rl_html_hang(f, i, number, c->runs[r].hang_report);
            hangs++;
        }
    /* New findings first, every one of them; then the rest up to
     * MAX_FINDINGS. */
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < c->nfindings; j++) {
            bool fresh = c->findings[j].baseline == BASELINE_NEW;

            if (fresh != (pass == 0) || (!fresh && shown >= MAX_FINDINGS))
                continue;
            rl_html_finding(f, c, &c->findings[j], true);
            shown++;
        }
    if (c->nfindings > shown)
        fprintf(f, "<p class=\"small\">&hellip; %zu more findings (see the "
                "JSON)</p>\n", c->nfindings - shown);
    fputs("</section>\n", f);
}

int write_html_command(const char *path, const struct cell_result *cells,
                       size_t n, const char *command, char *err,
                       size_t errlen)
{
    FILE *f = rl_open_out(path, err, errlen);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;

    if (!f)
        return -1;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n<title>racelab results</title>\n"
            "<style>%s</style>\n</head>\n<body>\n<h1>racelab results</h1>\n",
            rl_html_css);
    summary_line(f, cells, n, command);
    fprintf(f, "<p class=\"small\">generated %s</p>\n", when);
    matrix(f, cells, n);
    fputs("<h2>Cells</h2>\n", f);
    for (size_t i = 0; i < n; i++)
        cell_html(f, &cells[i], i);
    fputs("<p id=\"end\" class=\"small\">end of report</p>\n</body>\n</html>\n",
          f);
    return rl_close_out(f, path, err, errlen);
}

/* This process's command line as the JSON records it ("racelab matrix
 * --runs 2 ..."), from /proc/self/cmdline; NULL if unreadable. */
static char *self_command(void)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    char buf[8192], *out = NULL;
    size_t len, outlen = 0;
    FILE *m;

    if (!f)
        return NULL;
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);          /* read only: what was read is in BUF */
    if (len == 0)
        return NULL;
    buf[len] = '\0';
    m = open_memstream(&out, &outlen);
    if (!m)
        return NULL;
    for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
        const char *arg = buf + i, *slash = strrchr(arg, '/');
        bool quote = strpbrk(arg, " \t'\"$") != NULL;

        if (i == 0)
            fputs(slash ? slash + 1 : arg, m);
        else
            fprintf(m, quote ? " '%s'" : " %s", arg);
    }
    if (fclose(m) != 0) {   /* out of memory: no command line, as if unreadable */
        free(out);
        return NULL;
    }
    return out;
}

int write_html(const char *path, const struct cell_result *cells, size_t n,
               char *err, size_t errlen)
{
    char *command = self_command();
    int rc = write_html_command(path, cells, n, command, err, errlen);

    free(command);
    return rc;
}
