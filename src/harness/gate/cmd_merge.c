/* cmd_merge.c - `racelab merge A.json B.json ...`: shards (or any runs of
 * the same cells) into one table, one set of reports and one exit code,
 * as if one process had made every run; and `racelab baseline update`,
 * which writes the merged results as a baseline for --baseline. */
#include "cli.h"
#include "gate.h"
#include "options.h"
#include "shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report/baseline_file.h"

static const char merge_head[] =
"usage: racelab merge RESULTS.json... [options]\n"
"Joins the --json files of shards (stress --shard, matrix --shard) or of\n"
"separate jobs: cells with the same scenario, variant and tool get their\n"
"runs concatenated (ordered by seed) and their findings folded by\n"
"fingerprint, then are scored again, exactly as one process would have.\n"
"\n";

static const char merge_tail[] =
"Exit: 0 pass, 1 a cell failed (a new finding with --baseline), 2 usage,\n"
"3 an input cannot be read, an output cannot be written, a shard is\n"
"missing or doubled (without --allow-partial), or a cell is an error.\n";

static const char baseline_head[] =
"usage: racelab baseline update [options] RESULTS.json...\n"
"Adds the races of the results to the baseline FILE (default\n"
"racelab-baseline.json; created when missing, its races and their\n"
"first_seen kept when present) for `racelab stress|run|matrix|merge\n"
"--baseline FILE`: the races in it are known and no longer fail the gate.\n"
"One race per line, sorted, paths relative to DIR (default\n"
"$GITHUB_WORKSPACE, $CI_PROJECT_DIR, else the current directory).\n"
"`--write-baseline FILE` on those commands writes one from one run.\n"
"\n";

static const char baseline_tail[] =
"Exit: 0 written, 2 usage, 3 a results file cannot be read or the\n"
"baseline cannot be written.\n";


/* Every shard of each merged cell once?  Without ALLOW_PARTIAL a missing
 * or doubled shard is exit 3; with it, the cell's merge_partial says so
 * (the verdict makes it inconclusive).  Shards of different gates (N,
 * seed base, runs) are exit 3 always.  The cells are no shards after. */
static int check_shards(const struct shard_ledger *l, struct cell_result *cells,
                        size_t n, bool allow_partial)
{
    int status = EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        bool fatal;
        char *p = shard_ledger_problems(l, &cells[i], &fatal);

        cells[i].shard = (struct cell_shard){0};
        if (!p)
            continue;
        if (fatal || !allow_partial) {
            errorf("merge: %s/%s: %s%s", cells[i].scenario, cells[i].tool, p,
                   fatal ? "" : " (--allow-partial merges what is there, "
                   "as inconclusive)");
            status = EXIT_ENV;
            free(p);
        } else {
            warnf("merge: %s/%s: %s: inconclusive", cells[i].scenario,
                  cells[i].tool, p);
            free(cells[i].merge_partial);
            cells[i].merge_partial = p;
        }
    }
    return status;
}

/* Reads and merges FILES[0..n) into *CELLS; EXIT_OK or EXIT_ENV. */
static int load_all(char **files, int n, struct cell_result **cells,
                    size_t *ncells, bool allow_partial)
{
    char err[512];
    struct shard_ledger ledger;
    int status;

    shard_ledger_init(&ledger);
    for (int i = 0; i < n; i++) {
        struct cell_result *more;
        size_t nmore;

        if (read_json(files[i], &more, &nmore, err, sizeof err) < 0) {
            errorf("merge: %s", err);
            shard_ledger_free(&ledger);
            return EXIT_ENV;
        }
        nmore = shard_ledger_add(&ledger, more, nmore, files[i]);
        if (cells_merge(cells, ncells, more, nmore) < 0) {
            errorf("merge: out of memory");
            abort();
        }
        free(more);     /* its cells were moved out */
    }
    status = check_shards(&ledger, *cells, *ncells, allow_partial);
    shard_ledger_free(&ledger);
    for (size_t i = 0; i < *ncells; i++)
        cell_judge(&(*cells)[i]);
    return status;
}

static void free_cells(struct cell_result *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cell_result_free(&cells[i]);
    free(cells);
}

int cmd_merge(int argc, char **argv)
{
    struct cli_opts opt;
    struct cell_result *cells = NULL;
    size_t ncells = 0;
    int status = EXIT_USAGE, rc;
    char *cmd = NULL;

    options_init(&opt);
    rc = options_parse(OC_MERGE, argc, argv, &opt, false, merge_head, merge_tail);
    if (rc != 0) {
        status = rc > 0 ? EXIT_OK : EXIT_USAGE;
        goto out;
    }
    if (optind >= argc) {
        errorf("merge: which results? (racelab merge A.json B.json ...)");
        goto out;
    }
    if (outputs_check(&opt.out) < 0) {
        status = EXIT_ENV;
        goto out;
    }
    if ((status = gate_prepare(&opt.gate)) != EXIT_OK)
        goto out;
    if ((status = load_all(argv + optind, argc - optind, &cells, &ncells,
                           opt.allow_partial)) != EXIT_OK)
        goto out;
    cmd = command_line(argc, argv, "merge");
    if (gate_finish(&opt.gate, cells, ncells, cmd) != EXIT_OK) {
        status = EXIT_ENV;
        goto out;
    }
    if (!opt.quiet) {
        print_table(stdout, cells, ncells);
        fflush(stdout);
    }
    status = cells_exit_status(cells, ncells, opt.strict);
    if (outputs_write(&opt.out, cells, ncells, cmd) < 0)
        status = EXIT_ENV;
out:
    free_cells(cells, ncells);
    options_free(&opt);
    free(cmd);
    return status;
}

int cmd_baseline(int argc, char **argv)
{
    struct cli_opts opt;
    struct cell_result *cells = NULL;
    size_t ncells = 0, nf = 0;
    struct outputs out = {0};
    const char *output;
    int status = EXIT_USAGE, rc;
    char err[512];

    if (argc < 2 || strcmp(argv[1], "update") != 0) {
        if (argc >= 2 && !strcmp(argv[1], "--help")) {
            fputs(baseline_head, stdout);
            options_help(stdout, OC_BASELINE);
            fputs(baseline_tail, stdout);
            return EXIT_OK;
        }
        errorf("baseline: expected 'update' (racelab baseline update "
               "[--output FILE] RESULTS.json...)");
        return EXIT_USAGE;
    }
    argc--, argv++;
    options_init(&opt);
    rc = options_parse(OC_BASELINE, argc, argv, &opt, false, baseline_head,
                       baseline_tail);
    if (rc != 0) {
        status = rc > 0 ? EXIT_OK : EXIT_USAGE;
        goto out;
    }
    if (optind >= argc) {
        errorf("baseline update: from which results? (an earlier --json)");
        goto out;
    }
    output = opt.baseline_output ? opt.baseline_output : "racelab-baseline.json";
    out.json = output;
    if (outputs_check(&out) < 0) {
        status = EXIT_ENV;
        goto out;
    }
    if ((status = load_all(argv + optind, argc - optind, &cells, &ncells,
                           true)) != EXIT_OK)
        goto out;
    /* An existing baseline is merged into: its races and their first_seen
     * stay, the results' new ones are added. */
    if (baseline_file_write(output, cells, ncells,
                            access(output, F_OK) == 0 ? output : NULL,
                            opt.gate.source_root, &nf, err, sizeof err) < 0) {
        errorf("--output %s: %s", output, err);
        status = EXIT_ENV;
        goto out;
    }
    if (!opt.quiet)
        printf("baseline %s: %zu known race(s)\n", output, nf);
    status = EXIT_OK;
out:
    free_cells(cells, ncells);
    options_free(&opt);
    return status;
}
