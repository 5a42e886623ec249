/* write_html.c - one self-contained page: the detection matrix (rows
 * scenario x variant, a column per tool) and, below, every unique finding
 * with its stacks.  No scripts, no external assets. */
#include "result.h"
#include "report_util.h"

#include <string.h>
#include <time.h>

#define H(f, s) rl_xml_escape((f), (s))

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #bbb;padding:.3em .6em;vertical-align:top}"
    "th{background:#eee}td.pass{background:#d8f0d8}td.fail{background:#f6d0d0}"
    "td.none{background:#f4f4f4;color:#888}.small{font-size:85%;color:#444}"
    "pre{background:#f7f7f7;padding:.5em;overflow-x:auto;margin:.2em 0}"
    ".fp{color:#8a6d00}.tp{color:#126b12}.bad{color:#a00}";

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
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

static const struct cell_result *find_cell(const struct cell_result *c, size_t n,
                                           const struct cell_result *row,
                                           const char *tool)
{
    for (size_t i = 0; i < n; i++)
        if (same(c[i].scenario, row->scenario) &&
            same(c[i].variant, row->variant) && same(c[i].tool, tool))
            return &c[i];
    return NULL;
}

static void matrix_cell(FILE *f, const struct cell_result *c)
{
    if (!c) {
        fputs("<td class=\"none\">&ndash;</td>", f);
        return;
    }
    fprintf(f, "<td class=\"%s\" title=\"", cell_status_name(c->status));
    H(f, c->verdict);
    fprintf(f, "\"><b>%s</b> %zu/%zu<br><span class=\"small\">CI95 "
            "[%.2f, %.2f]", rl_status_upper(c->status), c->detected_runs,
            c->nruns - c->env_errors, c->rate_lo, c->rate_hi);
    if (c->first_detection_run > 0)
        fprintf(f, "<br>first: run %ld, %.1f s", c->first_detection_run,
                c->first_detection_seconds);
    fprintf(f, "<br>TP %zu FP %zu FN %zu</span></td>", c->tp, c->fp, c->fn);
}

static void matrix(FILE *f, const struct cell_result *c, size_t n)
{
    const char *tools[32];
    size_t nt = distinct_tools(c, n, tools, 32);

    fputs("<h2>Detection matrix</h2>\n<table>\n<tr><th>scenario</th>"
          "<th>variant</th>", f);
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
            matrix_cell(f, find_cell(c, n, &c[i], tools[t]));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void stack_html(FILE *f, const struct stack *s)
{
    fputs("<pre>", f);
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
    fputs(":\n", f);
    for (size_t i = 0; i < s->nframes; i++) {
        const struct frame *fr = &s->frames[i];

        fprintf(f, "  #%zu ", i);
        H(f, fr->function ? fr->function : "??");
        if (fr->file) {
            fputc(' ', f);
            H(f, rl_source_relative(fr->file));
            if (fr->line > 0)
                fprintf(f, ":%d", fr->line);
        }
        fputc('\n', f);
    }
    fputs("</pre>\n", f);
}

static void findings(FILE *f, const struct cell_result *c, size_t n)
{
    fputs("<h2>Findings</h2>\n", f);
    for (size_t i = 0; i < n; i++) {
        if (c[i].nfindings == 0)
            continue;
        fputs("<h3>", f);
        H(f, c[i].scenario ? c[i].scenario : "?");
        fputs(" / ", f);
        H(f, c[i].variant ? c[i].variant : "stress");
        fputs(" / ", f);
        H(f, c[i].tool ? c[i].tool : "?");
        fputs("</h3>\n", f);
        for (size_t j = 0; j < c[i].nfindings; j++) {
            const struct unique_finding *u = &c[i].findings[j];
            const char *cls = unique_finding_is_tp(&c[i], u) ? "tp"
                            : u->expected_false_positive ? "fp" : "bad";
            const char *what = unique_finding_is_tp(&c[i], u) ? "true positive"
                             : u->expected_false_positive
                             ? "expected false positive"
                             : unique_finding_is_fp(&c[i], u) ? "false positive"
                             : "unclassified";

            fprintf(f, "<div><p><b class=\"%s\">%s</b> &middot; %s &middot; "
                    "<code>%s</code> &middot; seen in %zu runs<br>", cls,
                    finding_kind_name(u->finding.kind), what,
                    u->finding.fingerprint, u->runs_seen);
            H(f, u->finding.summary);
            fputs("</p>\n", f);
            for (size_t s = 0; s < u->finding.nstacks; s++)
                stack_html(f, &u->finding.stacks[s]);
            fputs("</div>\n", f);
        }
    }
}

int write_html(const char *path, const struct cell_result *cells, size_t n,
               char *err, size_t errlen)
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
            "<style>%s</style>\n</head>\n<body>\n<h1>racelab results</h1>\n"
            "<p class=\"small\">generated %s &middot; %zu cells</p>\n",
            css, when, n);
    matrix(f, cells, n);
    findings(f, cells, n);
    fputs("</body>\n</html>\n", f);
    return rl_close_out(f, path, err, errlen);
}
