/* fuzz_config.c - the YAML configuration loader over hostile text.
 *
 * Loads the input with Canh's own key table (canh_settings_keys) over the
 * defaults, as `canh config check` and `canh server --config` do, then frees
 * the result: ASan/LSan catch overreads and leaks on every error path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/config.h"
#include "canh/error.h"
#include "canh/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CANH_MAX_CONFIG_FILE)
        return -1;
    canh_settings_t s;
    memset(&s, 0, sizeof s);
    canh_errbuf_t eb = {{0}};
    if (canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &s, &eb) != CANH_OK) {
        fprintf(stderr, "fuzz_config: the built-in defaults do not load: %s\n", eb.msg);
        abort();
    }
    int rc = canh_config_load_mem(canh_settings_keys, canh_settings_nkeys, &s, "fuzz.yaml",
                                  (const char *)data, size, &eb);
    /* A failure must say why, quoting the name given. */
    if (rc != CANH_OK && (eb.msg[0] == '\0' || memchr(eb.msg, 0, sizeof eb.msg) == NULL)) {
        fprintf(stderr, "fuzz_config: load failed (%d) without a message\n", rc);
        abort();
    }
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
    return 0;
}
