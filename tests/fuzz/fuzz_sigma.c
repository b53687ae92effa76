/* fuzz_sigma.c - the Sigma compiler and matcher over hostile rule text.
 *
 * Compiles the input as a rule file (sg_rules_compile_mem, built-in
 * mappings), checks that every rule that did not compile says why, then
 * runs the rules over a few decoded events (sshd, nginx, a Windows Sysmon
 * record, a Zeek DNS record with an array field) so that whatever the
 * compiler accepted is also exercised by the matcher and the prefilter.
 * ASan/LSan catch overreads and leaks on every path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/decode.h"
#include "canh/detect.h"
#include "canh/error.h"
/* The private header declares sg_rules_compile_mem (compile from memory);
 * fuzz targets have only include/ on their path. */
#include "../../src/detect/detect_sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const events[] = {
    "Nov 21 00:00:00 web02 sshd[12001]: Failed password for invalid user admin from 10.1.2.3 "
    "port 40022 ssh2",
    "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /shop/index.php?id=1%27%20UNION%20SELECT "
    "HTTP/1.1\" 404 512 \"-\" \"sqlmap/1.7.2#stable (https://sqlmap.org)\"",
    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}}"
    ","
    "\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws01\"},"
    "\"EventData\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":\"cmd.exe "
    "/c "
    "whoami -all\",\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\",\"User\":\"CORP\\\\alice\"}}}",
    "{\"ts\":1700000000.1,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":5353,"
    "\"id.resp_h\":\"10.0.0.1\",\"id.resp_p\":53,\"trans_id\":7,\"query\":\"x.example\","
    "\"answers\":[\"1.2.3.4\",\"a\\\\\\\"b\"],\"_path\":\"dns\"}",
};

static void on_report(void *ud, const char *file, unsigned line, const char *id, const char *title,
                      canh_rule_status_t st, const char *reason)
{
    (void)ud;
    (void)id;
    (void)title;
    (void)st;
    if (!file || !reason || !reason[0] || line == 0) {
        fprintf(stderr, "fuzz_sigma: a rule was reported without a reason or a line\n");
        abort();
    }
}

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    (void)ev;
    if (!a->rule_id || !a->rule_name) {
        fprintf(stderr, "fuzz_sigma: an alert without a rule id or name\n");
        abort();
    }
    (*(unsigned *)ud)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    int rc = sg_rules_compile_mem("fuzz.yml", (const char *)data, size, on_report, NULL, &r, &eb);
    if (rc != CANH_OK) {
        if (rc != CANH_ENOMEM) {
            fprintf(stderr, "fuzz_sigma: compile failed (%d): %s\n", rc, eb.msg);
            abort();
        }
        return 0;
    }
    canh_decode_t *dec;
    canh_decode_opts_t o = {.tref = {0, 0}, .type = NULL};
    canh_event_t *ev = canh_event_create();
    canh_detector_t *det = NULL;
    if (ev && canh_decode_create(&o, &dec, &eb) == CANH_OK) {
        if (canh_detector_create(r, &det) == CANH_OK) {
            for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
                unsigned n = 0;
                canh_decode_record(dec, events[i], strlen(events[i]), ev);
                int k = canh_detector_run(det, ev, on_alert, &n);
                if (k >= 0 && (unsigned)k != n) {
                    fprintf(stderr, "fuzz_sigma: %d alerts counted as %u\n", k, n);
                    abort();
                }
            }
            canh_detector_destroy(det);
        }
        canh_decode_destroy(dec);
    }
    canh_event_destroy(ev);
    canh_rules_destroy(r);
    return 0;
}
