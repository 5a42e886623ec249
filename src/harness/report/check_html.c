/* check_html.c - `racelab check --html FILE`: the verdict on one
 * submission as a self-contained page (no scripts, no external assets):
 * the criteria and their evidence, then what each detector saw, each
 * finding with its two sites side by side and each deadlock's wait-for
 * cycle drawn (the pieces of write_html.c). */
#include "check_view.h"
#include "diagnosis.h"
#include "report_util.h"

#include <stdlib.h>
#include <string.h>

#define H(f, s) rl_xml_escape((f), (s))

static const char check_css[] =
    ".verdict-accepted{background:#d8f0d8}.verdict-rejected{background:#f6d0d0}"
    "table.criteria td pre{white-space:pre-wrap;max-width:70em;margin:0}"
    ".n\\/a{background:#f4f4f4;color:#666}";

static void criteria_table(FILE *f, const struct check_page *pg)
{
    fputs("<h2>Criteria</h2>\n<table class=\"criteria\" id=\"criteria\"><tr>"
          "<th>criterion</th><th>weight</th><th>state</th><th>evidence</th></tr>\n", f);
    for (size_t i = 0; i < pg->ncriteria; i++) {
        const struct check_criterion_view *c = &pg->criteria[i];
        const char *cls = !strcmp(c->state, "pass") ? "pass"
                        : !strcmp(c->state, "fail") ? "fail" : "n/a";
        char *ev = check_view_scrub(c->evidence, pg->view, "the server");

        fprintf(f, "<tr class=\"criterion\" data-name=\"%s\"><td><b>", c->name);
        H(f, c->name);
        fputs("</b><br><span class=\"small\">", f);
        H(f, c->title);
        fprintf(f, "</span></td><td>%d</td><td class=\"%s\">%s</td><td><pre>", c->weight,
                cls, c->state);
        H(f, ev ? ev : "");
        fputs("</pre></td></tr>\n", f);
        free(ev);
    }
    fputs("</table>\n", f);
}

/* The state of criterion NAME ("pass", "fail", "n/a"). */
static const char *state_of(const struct check_page *pg, const char *name)
{
    for (size_t i = 0; name && i < pg->ncriteria; i++)
        if (!strcmp(pg->criteria[i].name, name))
            return pg->criteria[i].state;
    return "n/a";
}

static void cell_section(FILE *f, const struct check_page *pg, size_t i)
{
    const struct cell_result *c = &pg->cells[i];
    const char *name = pg->cell_criterion ? pg->cell_criterion[i] : c->tool;
    const char *st = state_of(pg, name);
    size_t hangs = 0;

    fprintf(f, "<section class=\"cell\" id=\"cell-%zu\"><h3>", i);
    H(f, name);
    fprintf(f, " <span class=\"badge %s\">%s</span></h3>\n",
            !strcmp(st, "pass") ? "pass" : !strcmp(st, "fail") ? "fail" : "n/a", st);
    {
        /* the terminal's account first: sites in the student's file, the
         * locks each side held, the source lines */
        char *ev = check_view_evidence(c, pg->view, 50);
        fputs("<pre class=\"evidence\">", f);
        H(f, ev ? ev : "");
        fputs("</pre>\n", f);
        free(ev);
    }
    for (size_t r = 0; r < c->nruns && hangs < 3; r++)
        if (c->runs[r].hang_report) {
            char *rep = check_view_hang_report(c->runs[r].hang_report, c, pg->view);
            rl_html_hang(f, i, r, rep ? rep : "");
            free(rep);
            hangs++;
        }
    for (size_t j = 0; j < c->nfindings && j < 50; j++)
        rl_html_finding(f, c, &c->findings[j], false);
    if (c->nfindings > 50)
        fprintf(f, "<p class=\"small\">&hellip; %zu more findings</p>\n", c->nfindings - 50);
    if (!c->nfindings && !hangs)
        fputs("<p class=\"clean\">nothing found</p>\n", f);
    fputs("</section>\n", f);
}

int write_check_html(const char *path, const struct check_page *pg, char *err, size_t errlen)
{
    FILE *f = rl_open_out(path, err, errlen);
    char *reason;

    if (!f)
        return -1;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>");
    H(f, pg->title);
    fprintf(f, "</title>\n<style>%s%s</style>\n</head>\n<body>\n<h1>", rl_html_css, check_css);
    H(f, pg->title);
    fprintf(f, "</h1>\n<p id=\"verdict\" class=\"summary verdict-%s\"><b>%s</b>, score "
            "%.0f/100", pg->accepted ? "accepted" : "rejected",
            pg->accepted ? "ACCEPTED" : "REJECTED", pg->score);
    reason = check_view_scrub(pg->reason, pg->view, "the server");
    if (reason && *reason) {
        fputs(" &middot; ", f);
        H(f, reason);
    }
    free(reason);
    fputs("</p>\n", f);
    criteria_table(f, pg);
    if (pg->ncells)
        fputs("<h2>What the runs saw</h2>\n", f);
    for (size_t i = 0; i < pg->ncells; i++)
        cell_section(f, pg, i);
    fputs("<p id=\"end\" class=\"small\">end of report</p>\n</body>\n</html>\n", f);
    return rl_close_out(f, path, err, errlen);
}
