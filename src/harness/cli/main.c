/* main.c - the racelab command: list, run, matrix, stress, and the
 * classroom commands hunt, hint, check, handout, grade.
 *
 * racelab drives racelab-server variants (or any program) under
 * the detectors of tools/detector.h (TSan, Helgrind, DRD, ASan+UBSan or
 * none), with real socket load from a
 * separate process, and judges the findings against scenario manifests.
 * See docs/HARNESS.md.
 */
#include "cli.h"
#include "options.h"
#include "detector.h"
#include "loadgen.h"
#include "proc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab [--source-dir DIR] COMMAND [options]\n"
"\n"
"  list     the scenarios and what each tool is expected to find\n"
"  run      run a scenario's variants under the tools, judge the findings\n"
"  matrix   every scenario x variant x tool; the table and the CI gate\n"
"  stress   the same machinery on any program: racelab stress -- PROG ARGS\n"
"  merge    shards' --json files into one table, report set and exit code\n"
"  baseline update: write a baseline for --baseline from --json files\n"
"  cc       compile a C program for the controlled scheduler (CC=\"racelab cc\")\n"
"  c++      the same for C++ (CXX=\"racelab c++\"; racelab cc on .cc/.cpp too)\n"
"\n"
"  hunt     a mystery server to diagnose: racelab hunt [--seed N]\n"
"  hint     one hint at a time: racelab hint SCENARIO N\n"
"  check    judge a fix: racelab check SCENARIO FILE.c\n"
"  handout  a folder for students: racelab handout SCENARIO DIR\n"
"  grade    check a class: racelab grade SCENARIO DIR --out OUT\n"
"  autograder  a Gradescope bundle: racelab autograder SCENARIO OUT.zip\n"
"\n"
"racelab COMMAND --help for its options; racelab --version.\n"
"Exit: 0 expectations held / no finding, 1 an expectation failed / a finding,\n"
"2 usage error, 3 environment error (tool or build missing, cannot start,\n"
"unwritable output).\n";

int main(int argc, char **argv)
{
    struct paths paths;
    int i = 1;

    /* The load generator: a re-exec of ourselves (see loadgen.h). */
    if (argc > 1 && strcmp(argv[1], "__loadgen") == 0) {
        signal(SIGPIPE, SIG_IGN);      /* a valid signal: cannot fail */
        return loadgen_main(argc - 1, argv + 1);
    }
    /* The option table (cli/options.h) as TSV, for tests and docs. */
    if (argc > 1 && strcmp(argv[1], "__options") == 0) {
        options_dump(stdout);
        return EXIT_OK;
    }
    paths_init(&paths);
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("racelab %s (%s build, source %s)\n", RACELAB_VERSION,
                   RACELAB_FLAVOR, paths.source);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            detectors_print(stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--source-dir") && i + 1 < argc) {
            paths.source = argv[i + 1];
            i += 2;
            continue;
        }
        errorf("unknown option '%s' (see racelab --help)", argv[i]);
        return EXIT_USAGE;
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    /* Our own path, for the load generator: /proc/self/exe would do, but a
     * resolved path keeps `ps` output readable. */
    {
        static char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            runner_self_exe = self;
        }
    }
    proc_setup();

    const char *cmd = argv[i];
    int sub_argc = argc - i, rc;
    char **sub_argv = argv + i;
    if (!strcmp(cmd, "list"))
        rc = cmd_list(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "run"))
        rc = cmd_run(sub_argc, sub_argv, &paths, false);
    else if (!strcmp(cmd, "matrix"))
        rc = cmd_run(sub_argc, sub_argv, &paths, true);
    else if (!strcmp(cmd, "stress"))
        rc = cmd_stress(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "merge"))
        rc = cmd_merge(sub_argc, sub_argv);
    else if (!strcmp(cmd, "baseline"))
        rc = cmd_baseline(sub_argc, sub_argv);
    else if (!strcmp(cmd, "cc") || !strcmp(cmd, "c++"))
        rc = cmd_cc(sub_argc, sub_argv);
    else if (!strcmp(cmd, "hunt"))
        rc = cmd_hunt(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "hint"))
        rc = cmd_hint(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "check"))
        rc = cmd_check(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "handout"))
        rc = cmd_handout(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "grade"))
        rc = cmd_grade(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "autograder"))
        rc = cmd_autograder(sub_argc, sub_argv, &paths);
    else if (!strcmp(cmd, "help")) {
        fputs(usage, stdout);
        detectors_print(stdout);
        rc = EXIT_OK;
    } else {
        errorf("unknown command '%s' (list, run, matrix, stress, merge, baseline, cc, c++, "
               "hunt, hint, check, handout, grade, autograder; see racelab "
               "--help)", cmd);
        rc = EXIT_USAGE;
    }
    /* Nothing we started may outlive us, not even a daemonized grandchild
     * (it was re-parented to us: we are a subreaper). */
    proc_sweep_orphans();
    return rc;
}
