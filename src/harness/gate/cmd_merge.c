/* cmd_merge.c - `racelab merge A.json B.json ...`: shards (or any runs of
 * the same cells) into one table, one set of reports and one exit code,
 * as if one process had made every run; and `racelab baseline update`,
 * which writes the merged results as a baseline for --baseline. */
#include "cli.h"
#include "gate.h"
#include "shards.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
"usage: racelab merge RESULTS.json... [options]\n"
"Joins the --json files of shards (stress --shard, matrix --shard) or of\n"
"separate jobs: cells with the same scenario, variant and tool get their\n"
"runs concatenated (ordered by seed) and their findings folded by\n"
"fingerprint, then are scored again, exactly as one process would have.\n"
"\n"
"  --json FILE --junit FILE --sarif FILE --html FILE   reports\n"
"  --strict            an inconclusive cell fails the gate (exit 1)\n"
"  --allow-partial     merge even when a `stress --shard` shard is missing\n"
"                      or given twice (else exit 3, naming it): the cell is\n"
"                      inconclusive, not a pass\n"
"  --quiet             no table on stdout\n"
GATE_USAGE
"Exit: 0 pass, 1 a cell failed (a new finding with --baseline), 2 usage,\n"
"3 an input cannot be read, an output cannot be written, a shard is\n"
"missing or doubled (without --allow-partial), or a cell is an error.\n";

static const char baseline_usage[] =
"usage: racelab baseline update [--output FILE] RESULTS.json...\n"
"Writes the merged results as a baseline (default racelab-baseline.json)\n"
"for `racelab stress|run|matrix|merge --baseline FILE`: the findings in it\n"
"are known and no longer fail the gate.  `--write-baseline FILE` on those\n"
"commands does the same for one run.\n";

enum { M_JSON = 256, M_JUNIT, M_SARIF, M_HTML, M_STRICT, M_QUIET, M_HELP,
       M_OUTPUT, M_ALLOW_PARTIAL };

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
        cell_result_summarize(&(*cells)[i]);
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
    static const struct option opts[] = {
        {"json", required_argument, 0, M_JSON},
        {"junit", required_argument, 0, M_JUNIT},
        {"sarif", required_argument, 0, M_SARIF},
        {"html", required_argument, 0, M_HTML},
        {"strict", no_argument, 0, M_STRICT},
        {"quiet", no_argument, 0, M_QUIET},
        {"allow-partial", no_argument, 0, M_ALLOW_PARTIAL},
        {"help", no_argument, 0, M_HELP},
        GATE_LONG_OPTIONS,
        {0, 0, 0, 0}};
    struct outputs out = {0};
    struct gate_opts gate;
    struct cell_result *cells = NULL;
    size_t ncells = 0;
    bool strict = false, quiet = false, allow_partial = false;
    int o, status = EXIT_USAGE;
    char *cmd = NULL;

    gate_init(&gate);
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case M_JSON: out.json = optarg; break;
        case M_JUNIT: out.junit = optarg; break;
        case M_SARIF: out.sarif = optarg; break;
        case M_HTML: out.html = optarg; break;
        case M_STRICT: strict = true; break;
        case M_QUIET: quiet = true; break;
        case M_ALLOW_PARTIAL: allow_partial = true; break;
        case M_HELP:
            fputs(merge_usage, stdout);
            status = EXIT_OK;
            goto out;
        case ':':
            errorf("merge: option %s needs a value", argv[optind - 1]);
            goto out;
        default: {
            int g = gate_option(&gate, o, optarg);
            if (g > 0)
                break;
            if (g == 0)
                errorf("merge: unknown option '%s' (see racelab merge --help)",
                       argv[optind - 1]);
            goto out;
        }
        }
    }
    if (optind >= argc) {
        errorf("merge: which results? (racelab merge A.json B.json ...)");
        goto out;
    }
    if (gate.min_rate > 0) {
        errorf("merge: --min-rate/--confidence belong to the runs, not the merge");
        goto out;
    }
    if (outputs_check(&out) < 0) {
        status = EXIT_ENV;
        goto out;
    }
    if ((status = gate_prepare(&gate)) != EXIT_OK)
        goto out;
    if ((status = load_all(argv + optind, argc - optind, &cells, &ncells,
                           allow_partial)) != EXIT_OK)
        goto out;
    cmd = command_line(argc, argv, "merge");
    if (gate_finish(&gate, cells, ncells, cmd) != EXIT_OK) {
        status = EXIT_ENV;
        goto out;
    }
    if (!quiet) {
        print_table(stdout, cells, ncells);
        fflush(stdout);
    }
    status = cells_exit_status(cells, ncells, strict);
    if (outputs_write(&out, cells, ncells, cmd) < 0)
        status = EXIT_ENV;
out:
    free_cells(cells, ncells);
    gate_free(&gate);
    free(cmd);
    return status;
}

int cmd_baseline(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, M_OUTPUT},
        {"help", no_argument, 0, M_HELP},
        {0, 0, 0, 0}};
    const char *output = "racelab-baseline.json";
    struct cell_result *cells = NULL;
    size_t ncells = 0, nf = 0;
    struct outputs out = {0};
    int o, status = EXIT_USAGE;
    char *cmd = NULL, err[512];

    if (argc < 2 || strcmp(argv[1], "update") != 0) {
        if (argc >= 2 && !strcmp(argv[1], "--help")) {
            fputs(baseline_usage, stdout);
            return EXIT_OK;
        }
        errorf("baseline: expected 'update' (racelab baseline update "
               "[--output FILE] RESULTS.json...)");
        return EXIT_USAGE;
    }
    argc--, argv++;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        switch (o) {
        case 'o':
        case M_OUTPUT: output = optarg; break;
        case M_HELP:
            fputs(baseline_usage, stdout);
            return EXIT_OK;
        case ':':
            errorf("baseline update: option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            errorf("baseline update: unknown option '%s'", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        errorf("baseline update: from which results? (an earlier --json)");
        return EXIT_USAGE;
    }
    out.json = output;
    if (outputs_check(&out) < 0)
        return EXIT_ENV;
    if ((status = load_all(argv + optind, argc - optind, &cells, &ncells,
                           true)) != EXIT_OK)
        goto out;
    cmd = command_line(argc, argv, "baseline");
    if (write_json(output, cells, ncells, cmd, err, sizeof err) < 0) {
        errorf("--output %s: %s", output, err);
        status = EXIT_ENV;
        goto out;
    }
    for (size_t i = 0; i < ncells; i++)
        nf += cells[i].nfindings;
    printf("baseline %s: %zu cell(s), %zu known finding(s)\n", output, ncells, nf);
    status = EXIT_OK;
out:
    free_cells(cells, ncells);
    free(cmd);
    return status;
}
