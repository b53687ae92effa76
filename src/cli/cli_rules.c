/* cli_rules.c - `canh rules check PATH...`: compile Sigma rules exactly as
 * the detection engine would and report the ones that fail or are only
 * partly supported, one line each:
 *   FILE:LINE: RULE-ID: failed|partial: reason
 * then a summary "N compiled, M failed, K partial". Exit status: 0 when every
 * rule compiled (partial rules included), 1 when some failed, 2 on a usage
 * or input error (a path that does not exist, a broken mapping file). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "canh/detect.h"
#include "canh/error.h"
#include "cli.h"

typedef struct check {
    size_t partial;
    size_t failed_lines;
} check_t;

static void on_report(void *ud, const char *file, unsigned line, const char *id, const char *title,
                      canh_rule_status_t st, const char *reason)
{
    check_t *c = ud;
    (void)title;
    if (st == CANH_RULE_PARTIAL)
        c->partial++;
    else
        c->failed_lines++;
    printf("%s:%u: %s: %s: %s\n", file, line, id && id[0] ? id : "-",
           st == CANH_RULE_PARTIAL ? "partial" : "failed", reason);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: canh rules check [--mappings DIR] PATH...\n\n"
                 "Compiles the Sigma rules in each PATH (files, or directories walked\n"
                 "recursively for .yml/.yaml files) and prints one line per rule that fails\n"
                 "or is only partly supported:\n"
                 "  FILE:LINE: RULE-ID: failed|partial: reason\n"
                 "then \"N compiled, M failed, K partial\". Files under a mappings/ directory\n"
                 "are field mappings and files named overrides.yml are per-rule overrides\n"
                 "(see docs/sigma.md).\n"
                 "  --mappings DIR   also load the field-mapping files in DIR\n"
                 "Exit status: 0 all compiled, 1 some failed, 2 usage or input error.\n");
}

int canh_cmd_rules_check(int argc, char **argv)
{
    static const struct option opts[] = {{"mappings", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    canh_rules_opts_t ro = {.mappings = NULL, .skip_disabled = true};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': ro.mappings = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return canh_cli_usage_error("rules check", "see canh rules check --help");
        }
    }
    if (optind >= argc)
        return canh_cli_usage_error("rules check",
                                    "missing PATH (usage: canh rules check PATH...)");
    check_t chk = {0};
    canh_rules_t *rules = NULL;
    canh_errbuf_t eb = {{0}};
    size_t compiled = 0, failed = 0;
    int rc = canh_rules_compile((const char *const *)(argv + optind), (size_t)(argc - optind), &ro,
                                on_report, &chk, &rules, &compiled, &failed, &eb);
    if (rc != CANH_OK) {
        fflush(stdout);
        fprintf(stderr, "canh rules check: %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
        return 2;
    }
    printf("%zu compiled, %zu failed, %zu partial\n", compiled, failed, chk.partial);
    canh_rules_destroy(rules);
    return failed ? 1 : 0;
}
