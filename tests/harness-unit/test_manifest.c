/* test_manifest.c - scenario folders are self-contained: a copied folder
 * is listed under its own name and its locations match findings in its
 * own files; a broken folder is skipped with one warning naming file and
 * line; a folder without fixed.c (a hand-out) still loads. */
#include "testutil.h"
#include "manifest.h"
#include "match.h"

#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *text = read_file(from, &n);
    assert_non_null(text);
    write_text(to, text);
    free(text);
}

/* ROOT/scenarios/NAME[/FILE] */
static char *path_in2(const char *name, const char *file)
{
    return file ? xasprintf("%s/scenarios/%s/%s", root, name, file)
                : xasprintf("%s/scenarios/%s", root, name);
}

/* SOURCE/scenarios/NAME/ with the files of the in-tree cache-race. */
static void copy_cache_race(const char *name)
{
    char *dir = path_in2(name, NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    static const char *const files[] = {"manifest.ini", "buggy.c"};
    for (size_t i = 0; i < 2; i++) {
        char *from = xasprintf("%s/scenarios/cache-race/%s", RACELAB_SOURCE_DIR, files[i]);
        char *to = xasprintf("%s/%s", dir, files[i]);
        copy_file(from, to);
        free(from);
        free(to);
    }
    free(dir);
}

static int setup(void **state)
{
    snprintf(root, sizeof root, "/tmp/racelab-manifest-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    char *s = xasprintf("%s/scenarios", root);
    int rc = mkdir(s, 0755);
    free(s);
    return rc;
}

static int teardown(void **state)
{
    return rm_rf(root);
}

static const struct scenario *find(const struct scenario *all, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(all[i].name, name) == 0)
            return &all[i];
    return NULL;
}

/* A frame in SOURCE/scenarios/NAME/buggy.c at LINE, as a tool reports it
 * (absolute path from the debug info). */
static struct finding finding_at(const char *name, int line, struct frame *fr,
                                 struct stack *st)
{
    struct finding f = {0};
    fr->function = "cache_get";
    fr->file = path_in2(name, "buggy.c");
    fr->line = line;
    st->frames = fr;
    st->nframes = 1;
    f.stacks = st;
    f.nstacks = 1;
    return f;
}

static void test_copied_folder_lists_and_matches(void **state)
{
    struct scenario *all;
    char err[512];
    struct frame fr, fr2;
    struct stack st, st2;

    copy_cache_race("my-copy");
    int n = scenarios_load_all(root, &all, err, sizeof err);
    assert_int_equal(n, 1);
    const struct scenario *s = find(all, n, "my-copy");
    assert_non_null(s);
    assert_true(s->nlocs > 0);
    /* Relative to the folder, stored relative to the source tree. */
    assert_string_equal(s->locs[0].file, "scenarios/my-copy/buggy.c");

    size_t nl;
    struct location *locs = expect_locations(s, &s->expect[VARIANT_BUGGY][TOOL_TSAN], &nl);
    struct finding mine = finding_at("my-copy", s->locs[0].line, &fr, &st);
    struct finding other = finding_at("cache-race", s->locs[0].line, &fr2, &st2);
    assert_true(finding_at_locations(&mine, locs, nl, 16));
    /* The original folder's file is another file. */
    assert_false(finding_at_locations(&other, locs, nl, 16));
    free(fr.file);
    free(fr2.file);
    free(locs);
    scenarios_free(all, (size_t)n);
}

static void test_relative_paths_fold_dotdot(void **state)
{
    struct scenario s;
    char err[512];
    char *dir = path_in2("up", NULL);

    assert_int_equal(mkdir(dir, 0755), 0);
    char *m = xasprintf("%s/manifest.ini", dir);
    write_text(m, "[scenario]\nmodule = workqueue\n"
                  "[location.q]\nfile = ../../src/server/workqueue.c\nline = 7\n"
                  "[location.b]\nfile = ./buggy.c\nline = 3\n");
    assert_int_equal(scenario_load(&s, dir, "scenarios/up/manifest.ini", err, sizeof err), 0);
    assert_string_equal(s.name, "up");
    assert_string_equal(s.locs[0].file, "src/server/workqueue.c");
    assert_string_equal(s.locs[1].file, "scenarios/up/buggy.c");
    scenario_free(&s);
    free(m);
    free(dir);
}

static void test_name_key_does_not_rename(void **state)
{
    struct scenario s;
    char err[512];
    char *dir = path_in2("folder-name", NULL);

    assert_int_equal(mkdir(dir, 0755), 0);
    char *m = xasprintf("%s/manifest.ini", dir);
    write_text(m, "[scenario]\nname = something-else\nmodule = cache\n");
    assert_int_equal(scenario_load(&s, dir, "x", err, sizeof err), 0);
    assert_string_equal(s.name, "folder-name");
    scenario_free(&s);
    free(m);
    free(dir);
}

/* A broken folder is skipped: the others still load, and the error names
 * the file and the line. */
static void test_broken_folder_skipped_with_line(void **state)
{
    struct scenario *all, s;
    char err[512];

    copy_cache_race("good");
    char *dir = path_in2("broken", NULL);
    assert_int_equal(mkdir(dir, 0755), 0);
    char *m = xasprintf("%s/manifest.ini", dir);
    write_text(m, "[scenario]\nmodule = cache\n\n[expect.buggy.tsan]\n"
                  "kinds = data-race, no-such-kind\n");
    char *dir2 = path_in2("syntax", NULL);
    assert_int_equal(mkdir(dir2, 0755), 0);
    char *m2 = xasprintf("%s/manifest.ini", dir2);
    write_text(m2, "[scenario]\nmodule = cache\nthis line has no equals sign\n");

    assert_int_equal(scenario_load(&s, dir, "scenarios/broken/manifest.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "scenarios/broken/manifest.ini:5: "));
    assert_non_null(strstr(err, "no-such-kind"));
    scenario_free(&s);
    assert_int_equal(scenario_load(&s, dir2, "scenarios/syntax/manifest.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "scenarios/syntax/manifest.ini:3: "));
    scenario_free(&s);

    int n = scenarios_load_all(root, &all, err, sizeof err);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].name, "good");
    scenarios_free(all, (size_t)n);
    free(m); free(m2); free(dir); free(dir2);
}

/* A hand-out: manifest and buggy.c, no fixed.c. */
static void test_handout_folder_loads(void **state)
{
    struct scenario *all;
    char err[512];

    copy_cache_race("handout");
    char *fixed = path_in2("handout", "fixed.c");
    assert_int_equal(access(fixed, F_OK), -1);
    int n = scenarios_load_all(root, &all, err, sizeof err);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].module, "cache");
    scenarios_free(all, (size_t)n);
    free(fixed);
}

/* diagnosis and rate_source are read. */
static void test_new_keys(void **state)
{
    struct scenario s;
    char err[512];
    char *dir = path_in2("keys", NULL);

    assert_int_equal(mkdir(dir, 0755), 0);
    char *m = xasprintf("%s/manifest.ini", dir);
    write_text(m, "[scenario]\nmodule = cache\ndiagnosis = the cause\n"
                  "[expect.buggy.none]\nsymptom = yes\nrate = 3/5\n"
                  "rate_source = racelab run keys --tool none (commit abc, 2026-11-27)\n");
    assert_int_equal(scenario_load(&s, dir, "x", err, sizeof err), 0);
    assert_string_equal(s.diagnosis, "the cause");
    assert_string_equal(s.expect[VARIANT_BUGGY][TOOL_NONE].rate, "3/5");
    assert_non_null(strstr(s.expect[VARIANT_BUGGY][TOOL_NONE].rate_source, "commit abc"));
    scenario_free(&s);
    free(m);
    free(dir);
}

/* Every detector of the table is a manifest section; a runner mode
 * (the controlled scheduler) and an unknown name are not. */
static void test_detector_sections(void **state)
{
    struct scenario s;
    char err[512];
    char *dir = path_in2("tools", NULL);

    for (int t = 0; t < TOOL_COUNT; t++) {
        assert_non_null(detectors[t]);
        assert_string_equal(detectors[t]->name, tool_names[t]);
        assert_int_equal(tool_from_name(tool_names[t]), t);
        assert_non_null(detectors[t]->flavor);
    }
    assert_int_equal(tool_from_name("sched"), -1);
    assert_int_equal(tool_from_name("nosuchtool"), -1);
    assert_non_null(detector_get(TOOL_SCHED));
    assert_int_equal(tool_from_name("asan"), TOOL_ASAN);
    assert_true(detectors[TOOL_ASAN]->kinds & (1u << FINDING_USE_AFTER_FREE));

    assert_int_equal(mkdir(dir, 0755), 0);
    char *m = xasprintf("%s/manifest.ini", dir);
    write_text(m, "[scenario]\nmodule = cache\n"
                  "[expect.buggy.asan]\nkinds = heap-use-after-free, memory-leak\n"
                  "rate = 9/10\n");
    assert_int_equal(scenario_load(&s, dir, "x", err, sizeof err), 0);
    assert_true(s.expect[VARIANT_BUGGY][TOOL_ASAN].present);
    assert_int_equal(s.expect[VARIANT_BUGGY][TOOL_ASAN].kinds,
                     1u << FINDING_USE_AFTER_FREE | 1u << FINDING_LEAK);
    scenario_free(&s);
    write_text(m, "[scenario]\nmodule = cache\n[expect.buggy.sched]\nkinds =\n");
    assert_int_equal(scenario_load(&s, dir, "x", err, sizeof err), -1);
    scenario_free(&s);
    free(m);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copied_folder_lists_and_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths_fold_dotdot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_key_does_not_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_folder_skipped_with_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handout_folder_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detector_sections, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
