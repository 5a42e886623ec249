/* write_junit.c - JUnit XML for CI: one testcase per cell, a failure
 * carrying the verdict when the cell's expectations did not hold. */
#include "result.h"
#include "report_util.h"

#include <string.h>

static void junit_details(FILE *f, const struct cell_result *c)
{
    fprintf(f, "runs %zu, detected %zu, with findings %zu, symptom %zu, "
            "hangs %zu, crashes %zu, env errors %zu\n", c->total_runs,
            c->detected_runs, c->finding_runs, c->symptom_runs, c->hangs,
            c->crashes, c->env_errors);
    /* New findings (--baseline) first, marked NEW; then the others. */
    for (size_t k = 0; k < 2 * c->nfindings; k++) {
        const struct unique_finding *u = &c->findings[k % c->nfindings];
        const struct frame *fr = rl_first_file_frame(rl_primary_stack(&u->finding));
        char label[1024];

        if ((u->baseline == BASELINE_NEW) != (k < c->nfindings))
            continue;
        fputs(u->baseline == BASELINE_NEW ? "NEW " : u->baseline_related[0]
              ? "known by object " : u->baseline == BASELINE_KNOWN ? "known "
              : "", f);
        rl_xml_escape(f, finding_label(&u->finding, label, sizeof label));
        fprintf(f, " [%s] %s (%zu runs)%s: ", u->finding.fingerprint,
                finding_kind_name(u->finding.kind), u->runs_seen,
                unique_finding_is_tp(c, u) ? " true positive"
                : u->expected_false_positive ? " expected false positive" : "");
        rl_xml_escape(f, u->finding.summary);
        if (fr) {
            fputs(" at ", f);
            rl_xml_escape(f, fr->function ? fr->function : "?");
            fputs(" ", f);
            rl_xml_escape(f, rl_source_relative(fr->file));
            fprintf(f, ":%d", fr->line);
        }
        fputc('\n', f);
    }
    size_t number = 1;  /* the run's, not the record's: records fold runs */

    for (size_t i = 0; i < c->nruns; number += 1 + c->runs[i++].folded) {
        const struct run_record *r = &c->runs[i];

        if (!r->reason && !r->hang_report)
            continue;
        fprintf(f, "run %zu %s: ", number, run_outcome_name(r->outcome));
        rl_xml_escape(f, r->reason ? r->reason : r->hang_report);
        fputc('\n', f);
    }
}

/* The message starts with the new findings (--baseline), by name:
 * "NEW: race:a@x.c(W) x b@y.c(R); ... | ". */
static void new_first(FILE *f, const struct cell_result *c)
{
    bool any = false;

    for (size_t i = 0; i < c->nfindings; i++) {
        char label[1024];

        if (c->findings[i].baseline != BASELINE_NEW)
            continue;
        fputs(any ? "; " : "NEW: ", f);
        rl_xml_escape(f, finding_label(&c->findings[i].finding, label,
                                       sizeof label));
        any = true;
    }
    if (any)
        fputs(" | ", f);
}

static double cell_seconds(const struct cell_result *c)
{
    double s = 0;

    for (size_t i = 0; i < c->nruns; i++)
        s += c->runs[i].seconds;
    return s;
}

int write_junit(const char *path, const struct cell_result *cells, size_t n,
                char *err, size_t errlen)
{
    size_t failures = 0, errors = 0, skipped = 0;
    double total = 0;
    FILE *f;

    for (size_t i = 0; i < n; i++) {
        failures += cells[i].status == CELL_FAIL;
        errors += cells[i].status == CELL_ERROR;
        skipped += cells[i].status == CELL_INCONCLUSIVE;
        total += cell_seconds(&cells[i]);
    }
    f = rl_open_out(path, err, errlen);
    if (!f)
        return -1;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"racelab\" tests=\"%zu\" failures=\"%zu\" "
            "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n"
            "  <testsuite name=\"racelab\" tests=\"%zu\" failures=\"%zu\" "
            "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n, failures,
            errors, skipped, total, n, failures, errors, skipped, total);
    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];

        fputs("    <testcase classname=\"racelab.", f);
        rl_xml_escape(f, c->scenario ? c->scenario : "unknown");
        fputs("\" name=\"", f);
        rl_xml_escape(f, c->variant ? c->variant : "stress");
        fputc('.', f);
        rl_xml_escape(f, c->tool ? c->tool : "unknown");
        fprintf(f, "\" time=\"%.3f\"", cell_seconds(c));
        if (c->status == CELL_PASS) {
            if (!c->guarantee && !c->baseline_used) {
                fputs("/>\n", f);
                continue;
            }
            /* what a gate pass rests on: the guarantee, the baseline */
            fputs(">\n      <system-out>", f);
            rl_xml_escape(f, c->verdict ? c->verdict : "");
            fputs("</system-out>\n    </testcase>\n", f);
            continue;
        }
        if (c->status == CELL_INCONCLUSIVE) {
            /* JUnit's place for "could not decide" */
            fputs(">\n      <skipped message=\"inconclusive: ", f);
            rl_xml_escape(f, c->verdict ? c->verdict : "");
            fputs("\"/>\n    </testcase>\n", f);
            continue;
        }
        {
            const char *el = c->status == CELL_ERROR ? "error" : "failure";

            fprintf(f, ">\n      <%s message=\"", el);
            new_first(f, c);
            rl_xml_escape(f, c->verdict ? c->verdict : "failed");
            fprintf(f, "\" type=\"racelab.%s\">", c->status == CELL_ERROR
                    ? "tool-or-environment-error" : "verdict");
            junit_details(f, c);
            fprintf(f, "</%s>\n    </testcase>\n", el);
        }
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return rl_close_out(f, path, err, errlen);
}
