/* cli_agent.c - `canh agent` (the endpoint agent daemon) and
 * `canh agent enroll`.
 *
 * Signals are handled here, never in the library: SIGTERM, SIGINT and
 * SIGHUP are blocked in every thread and a small thread takes them with
 * sigtimedwait, writing 'T' (stop) or 'H' (reload) into the pipe the agent's
 * loop watches. A reload stops the agent cleanly (open batch sealed,
 * positions saved), reads the configuration again and starts it anew. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canh/agent.h"
#include "canh/config.h"
#include "canh/log.h"
#include "cli.h"

/* ---- canh agent enroll ----------------------------------------------------------------- */

int canh_cmd_agent_enroll(int argc, char **argv)
{
    static const struct option opts[] = {{"manager", required_argument, NULL, 'm'},
                                         {"token", required_argument, NULL, 't'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *manager = NULL, *token = NULL, *name = NULL, *data = NULL;
    int timeout = 30, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "m:t:n:d:T:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': manager = optarg; break;
        case 't': token = optarg; break;
        case 'n': name = optarg; break;
        case 'd': data = optarg; break;
        case 'T': timeout = atoi(optarg); break;
        case 'h':
            printf("usage: canh agent enroll --manager HOST:PORT --token TOKEN [--name NAME]\n"
                   "                         [--data DIR] [--timeout SECONDS]\n\n"
                   "Enrolls this host with a manager: makes the agent's key (it never leaves\n"
                   "the host), checks the manager against the CA fingerprint in the token,\n"
                   "and stores the certificate the manager signs in DATA/agent/. NAME\n"
                   "defaults to the host name; enrolling again under the same name replaces\n"
                   "the old credential (a reinstalled or restored host). Get a token on the\n"
                   "manager with `canh agents token create`.\n");
            return 0;
        default:
            return canh_cli_usage_error("agent enroll", "unknown or incomplete option \"%s\"",
                                        argv[optind - 1]);
        }
    }
    if (optind < argc)
        return canh_cli_usage_error("agent enroll", "unexpected argument \"%s\"", argv[optind]);
    if (!manager || !token)
        return canh_cli_usage_error("agent enroll", "--manager HOST:PORT and --token are needed");
    canh_enroll_opts_t o = {manager, token, name, canh_cli_data_dir(data), timeout};
    canh_errbuf_t eb = {{0}};
    int64_t id = 0;
    int rc = canh_agent_enroll(&o, &id, &eb);
    if (rc != CANH_OK) {
        fprintf(stderr, "canh agent enroll: %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
        return 2;
    }
    printf("enrolled as agent %lld with manager %s (data in %s)\n", (long long)id, manager,
           o.data_dir);
    return 0;
}

/* ---- canh agent ------------------------------------------------------------------------ */

typedef struct sigthread {
    sigset_t set;
    int wfd;
    atomic_bool done;
} sigthread_t;

static void *signal_main(void *ud)
{
    sigthread_t *t = ud;
    while (!atomic_load(&t->done)) {
        siginfo_t si;
        struct timespec ts = {0, 200 * 1000 * 1000};
        int sig = sigtimedwait(&t->set, &si, &ts);
        char b = sig == SIGHUP ? 'H' : (sig == SIGTERM || sig == SIGINT) ? 'T' : 0;
        if (b) {
            ssize_t w;
            do
                w = write(t->wfd, &b, 1);
            while (w < 0 && errno == EINTR);
        }
    }
    return NULL;
}

static int load_settings(const char *config, canh_settings_t *s, canh_errbuf_t *eb)
{
    canh_config_free(canh_settings_keys, canh_settings_nkeys, s);
    memset(s, 0, sizeof *s);
    int rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, s, eb);
    if (rc == CANH_OK && config)
        rc = canh_config_load_file(canh_settings_keys, canh_settings_nkeys, s, config, eb);
    return rc;
}

static void fill_opts(const canh_settings_t *s, const char *data, const char *manager,
                      canh_agent_opts_t *o)
{
    canh_agent_opts_default(o);
    o->data_dir = data;
    o->manager = manager && *manager ? manager : s->ag_manager;
    o->spool_max = s->ag_spool_max;
    o->batch_bytes = (size_t)s->ag_batch_bytes;
    o->batch_records = (unsigned)s->ag_batch_records;
    o->batch_delay_ms = (unsigned)s->ag_batch_delay_ms;
    o->window = (unsigned)s->ag_window;
    o->scan_yara = (const char *const *)s->ag_scan_yara.v;
    o->nscan_yara = s->ag_scan_yara.n;
    o->scan_hashes = (const char *const *)s->ag_scan_hashes.v;
    o->nscan_hashes = s->ag_scan_hashes.n;
    o->scan_paths = (const char *const *)s->ag_scan_paths.v;
    o->nscan_paths = s->ag_scan_paths.n;
    o->scan_interval_s = (unsigned)s->ag_scan_interval;
    o->collect.state_dir = data;
    o->collect.logfiles = (const char *const *)s->ag_logfiles.v;
    o->collect.nlogfiles = s->ag_logfiles.n;
    o->collect.journald = s->ag_journald;
    o->collect.fim_paths = (const char *const *)s->ag_fim_paths.v;
    o->collect.nfim_paths = s->ag_fim_paths.n;
    o->collect.fim_interval_s = (unsigned)s->ag_fim_interval;
    o->collect.inventory_interval_s = (unsigned)s->ag_inventory_interval;
    o->collect.netconn_interval_s = (unsigned)s->ag_netconn_interval;
    o->collect.read_from_end = s->ag_read_from_end;
    o->collect.dpkg_status = s->ag_dpkg_status;
    o->collect.rpmdb = s->ag_rpmdb;
}

int canh_cmd_agent(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"manager", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *data = NULL, *manager = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:d:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data = optarg; break;
        case 'm': manager = optarg; break;
        case 'h':
            printf("usage: canh agent [--config FILE] [--data DIR] [--manager HOST:PORT]\n\n"
                   "The endpoint agent: follows the collectors of the agent.collect.* keys,\n"
                   "seals what they read into batches in the on-disk spool (DATA/agent/spool)\n"
                   "and delivers them to the manager it enrolled with, which acknowledges each\n"
                   "batch once it is stored. SIGTERM/SIGINT stop it cleanly; SIGHUP reads the\n"
                   "configuration again. DATA/agent/status.json shows its counters.\n"
                   "Enroll first with `canh agent enroll`.\n");
            return 0;
        default:
            return canh_cli_usage_error("agent", "unknown or incomplete option \"%s\"",
                                        argv[optind - 1]);
        }
    }
    if (optind < argc)
        return canh_cli_usage_error("agent",
                                    "unexpected argument \"%s\" (did you mean "
                                    "`canh agent enroll`?)",
                                    argv[optind]);
    canh_settings_t s;
    memset(&s, 0, sizeof s);
    canh_errbuf_t eb = {{0}};
    if (load_settings(config, &s, &eb) != CANH_OK) {
        fprintf(stderr, "%s\n", eb.msg);
        canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
        return 2;
    }
    /* --data, then $CANH_DATA, then the file's data.dir. */
    char *dir = NULL;
    if (data || getenv("CANH_DATA"))
        dir = strdup(canh_cli_data_dir(data));
    else
        dir = strdup(s.data_dir);

    int pfd[2];
    if (!dir || pipe2(pfd, O_CLOEXEC) != 0) {
        fprintf(stderr, "canh agent: %s\n", strerror(errno));
        free(dir);
        canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
        return 2;
    }
    sigthread_t st;
    sigemptyset(&st.set);
    sigaddset(&st.set, SIGTERM);
    sigaddset(&st.set, SIGINT);
    sigaddset(&st.set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &st.set, NULL);
    signal(SIGPIPE, SIG_IGN);
    st.wfd = pfd[1];
    atomic_init(&st.done, false);
    pthread_t thr;
    bool thr_ok = pthread_create(&thr, NULL, signal_main, &st) == 0;

    canh_logger_t lg;
    int status = 0;
    for (;;) {
        canh_log_init(&lg, stderr, (enum canh_log_level)s.log_level);
        canh_agent_opts_t o;
        fill_opts(&s, dir, manager, &o);
        o.log = &lg;
        o.control_fd = pfd[0];
        bool reload = false;
        int rc = canh_agent_run(&o, &reload, &eb);
        if (rc != CANH_OK) {
            fprintf(stderr, "canh agent: %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
            status = 2;
            break;
        }
        if (!reload)
            break;
        canh_log(&lg, CANH_LOG_INFO, "reloading the configuration");
        canh_settings_t next;
        memset(&next, 0, sizeof next);
        if (load_settings(config, &next, &eb) != CANH_OK) {
            /* A broken file does not stop a running agent: keep the old settings. */
            canh_log(&lg, CANH_LOG_ERROR, "%s (keeping the previous configuration)", eb.msg);
            canh_config_free(canh_settings_keys, canh_settings_nkeys, &next);
            continue;
        }
        canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
        s = next;
    }
    atomic_store(&st.done, true);
    if (thr_ok)
        pthread_join(thr, NULL);
    close(pfd[0]);
    close(pfd[1]);
    free(dir);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
    return status;
}
