/* check_show.c - the glue between `racelab check` and report/check_view.c
 * (see check_show.h). */
#include "check_show.h"
#include "check_view.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_CELLS = 8, HIDE = 8, FINDINGS_SHOWN = 6 };

static struct {
    struct check_view view;
    char *module_file, *label, *shown, *path;
    const char *hide[HIDE + 1];
    char *owned[HIDE];
    struct cell_result *cells[MAX_CELLS];
    size_t ncells[MAX_CELLS];
    char *criterion[MAX_CELLS];
    size_t n;
} S;

static void hide(char *s)
{
    size_t k = 0;

    while (k < HIDE && S.hide[k])
        k++;
    if (k == HIDE || !s || !*s) {
        free(s);
        return;
    }
    S.owned[k] = s;
    S.hide[k] = s;
}

void check_show_begin(const char *file, const char *module, const char *scen,
                      const char *bug_class, const char *case_id)
{
    const char *slash = strrchr(file, '/');
    const char *own = slash ? slash + 1 : file;

    check_show_end();
    S.module_file = xasprintf("%s.c", module);
    S.path = realpath(file, NULL);
    if (!S.path)
        S.path = xstrdup(file);
    S.shown = xstrdup(case_id ? own : S.module_file);
    S.label = xasprintf("your %s", S.shown);
    if (case_id) {
        /* longest first: "racelab-server-NAME-fixed" before "NAME" */
        hide(xasprintf("racelab-server-%s-fixed", scen));
        hide(xasprintf("racelab-server-%s-buggy", scen));
        hide(xstrdup(scen));
        /* (not the bug class: "data-race", "deadlock" are the detectors'
         * own words for what they saw, which a student is meant to read) */
        (void)bug_class;
    }
    S.view = (struct check_view){.module_file = S.module_file, .label = S.label,
                                 .shown_name = S.shown, .student_path = S.path,
                                 .hide = S.hide};
}

const char *check_show_file_name(void)
{
    return S.hide[0] ? "the submission" : S.module_file;
}

char *check_show_scrub(const char *text)
{
    char *s;

    if (!S.hide[0])
        return xstrdup(text ? text : "");
    /* the module's file becomes the submission's own name; the rest goes */
    s = check_view_scrub(text, &S.view, "(hidden)");
    char *t = str_replace(s ? s : "", S.module_file, S.shown);
    free(s);
    return t;
}

bool check_show_cell(const char *json, const char *criterion, struct strbuf *ev)
{
    struct cell_result *cells = NULL;
    size_t n = 0;
    char err[512];

    if (read_json(json, &cells, &n, err, sizeof err) < 0 || n == 0) {
        sb_printf(ev, "the harness's report cannot be read: %s", n ? err : "no cell");
        return false;
    }
    check_view_prepare(&cells[0], &S.view);
    char *text = check_view_evidence(&cells[0], &S.view, FINDINGS_SHOWN);
    sb_puts(ev, text ? text : "");
    free(text);
    if (S.n < MAX_CELLS) {
        S.cells[S.n] = cells;
        S.ncells[S.n] = n;
        S.criterion[S.n++] = xstrdup(!strcmp(criterion, "none") ? "oracles" : criterion);
    } else {
        for (size_t i = 0; i < n; i++)
            cell_result_free(&cells[i]);
        free(cells);
    }
    return true;
}

int check_show_html(const char *path, const char *title, bool accepted, double score,
                    const char *reason, const struct criterion *cr)
{
    struct check_criterion_view crit[CR_COUNT];
    struct cell_result shown[MAX_CELLS];
    const char *names[MAX_CELLS];
    char err[512];

    for (int i = 0; i < CR_COUNT; i++)
        crit[i] = (struct check_criterion_view){
            .name = criterion_names[i], .title = criterion_titles[i],
            .state = cr[i].state == CR_PASS ? "pass" : cr[i].state == CR_FAIL ? "fail" : "n/a",
            .evidence = cr[i].evidence ? cr[i].evidence : "", .weight = criterion_weights[i]};
    for (size_t i = 0; i < S.n; i++) {
        shown[i] = S.cells[i][0];
        names[i] = S.criterion[i];
    }
    struct check_page pg = {.title = title, .accepted = accepted, .score = score,
                            .reason = reason, .criteria = crit, .ncriteria = CR_COUNT,
                            .cells = shown, .cell_criterion = names, .ncells = S.n,
                            .view = &S.view};
    if (write_check_html(path, &pg, err, sizeof err) < 0) {
        errorf("--html: %s", err);
        return -1;
    }
    return 0;
}

void check_show_end(void)
{
    for (size_t i = 0; i < S.n; i++) {
        for (size_t j = 0; j < S.ncells[i]; j++)
            cell_result_free(&S.cells[i][j]);
        free(S.cells[i]);
        free(S.criterion[i]);
    }
    for (size_t k = 0; k < HIDE; k++)
        free(S.owned[k]);
    free(S.module_file);
    free(S.label);
    free(S.shown);
    free(S.path);
    memset(&S, 0, sizeof S);
}
