/* decode_prog_accounts.c - account management: shadow-utils useradd,
 * usermod, userdel, groupadd, groupmod, groupdel, passwd, chpasswd, chage,
 * gpasswd, and Debian's adduser/deluser.
 *
 * Field names follow Elastic's system.auth pipeline: user.name, user.id,
 * group.name, group.id, and system.auth.useradd.home / .shell for the new
 * account's home and shell. Old shadow quotes names as `x', new as 'x':
 * both forms are rows. */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define IAM "iam"

static const canh_prule_t acct_rules[] = {
    /* new accounts and groups */
    {"new user: name={user.name}, UID={user.id}, GID={group.id}, home={system.auth.useradd.home}, "
     "shell={system.auth.useradd.shell}, from={process.tty.name}",
     "user_created", "success", IAM, "creation", NULL, 0},
    {"new user: name={user.name}, UID={user.id}, GID={group.id}, home={system.auth.useradd.home}, "
     "shell={system.auth.useradd.shell}",
     "user_created", "success", IAM, "creation", NULL, 0},
    {"new user: name={user.name}, uid={user.id}, gid={group.id}, home={system.auth.useradd.home}, "
     "shell={system.auth.useradd.shell}",
     "user_created", "success", IAM, "creation", NULL, 0},
    {"new group: name={group.name}, GID={group.id}, from={process.tty.name}", "group_created",
     "success", IAM, "creation", NULL, 0},
    {"new group: name={group.name}, GID={group.id}", "group_created", "success", IAM, "creation",
     NULL, 0},
    {"new group: name={group.name}, gid={group.id}", "group_created", "success", IAM, "creation",
     NULL, 0},
    {"group added to {-}: name={group.name}, GID={group.id}*", "group_created", "success", IAM,
     "creation", NULL, 0},
    {"group added to {-}: name={group.name}*", "group_created", "success", IAM, "creation", NULL,
     0},
    {"failed adding user '{user.name}', data deleted", "user_created", "failure", IAM, "creation",
     NULL, 0},
    /* membership */
    {"add '{user.name}' to group '{group.name}'*", "group_member_added", "success", IAM, "change",
     NULL, 0},
    {"add '{user.name}' to shadow group '{group.name}'*", "group_member_added", "success", IAM,
     "change", NULL, 0},
    {"add `{user.name}' to group `{group.name}'*", "group_member_added", "success", IAM, "change",
     NULL, 0},
    {"delete '{user.name}' from group '{group.name}'*", "group_member_removed", "success", IAM,
     "change", NULL, 0},
    {"delete '{user.name}' from shadow group '{group.name}'*", "group_member_removed", "success",
     IAM, "change", NULL, 0},
    {"user {user.name} added by {source.user.name} to group {group.name}*", "group_member_added",
     "success", IAM, "change", NULL, 0},
    {"user {user.name} removed by {source.user.name} from group {group.name}*",
     "group_member_removed", "success", IAM, "change", NULL, 0},
    /* deletions */
    {"delete user '{user.name}'*", "user_deleted", "success", IAM, "deletion", NULL, 0},
    {"delete user `{user.name}'*", "user_deleted", "success", IAM, "deletion", NULL, 0},
    {"remove group '{group.name}'*", "group_deleted", "success", IAM, "deletion", NULL, 0},
    {"remove group `{group.name}'*", "group_deleted", "success", IAM, "deletion", NULL, 0},
    {"removed group '{group.name}' owned by '{user.name}'*", "group_deleted", "success", IAM,
     "deletion", NULL, 0},
    {"group '{group.name}' removed*", "group_deleted", "success", IAM, "deletion", NULL, 0},
    {"remove shadow group '{group.name}'*", "group_deleted", "success", IAM, "deletion", NULL, 0},
    {"removed shadow group '{group.name}' owned by '{user.name}'*", "group_deleted", "success", IAM,
     "deletion", NULL, 0},
    {"delete user `{user.name}' from group `{group.name}'*", "group_member_removed", "success", IAM,
     "change", NULL, 0},
    /* changes */
    {"change user '{user.name}' name to '{user.changes.name}'", "user_modified", "success", IAM,
     "change", "name changed", 0},
    {"change user '{user.name}' {system.auth.usermod.field} from '{system.auth.usermod.old}' to "
     "'{system.auth.usermod.new}'",
     "user_modified", "success", IAM, "change", NULL, 0},
    {"change user '{user.name}' password", "password_changed", "success", IAM, "change", NULL, 0},
    {"change user `{user.name}' password", "password_changed", "success", IAM, "change", NULL, 0},
    {"change user '{user.name}' {system.auth.usermod.field}*", "user_modified", "success", IAM,
     "change", NULL, 0},
    {"lock user '{user.name}' password", "user_locked", "success", IAM, "change", NULL, 0},
    {"unlock user '{user.name}' password", "user_unlocked", "success", IAM, "change", NULL, 0},
    {"password for '{user.name}' changed by '{source.user.name}'", "password_changed", "success",
     IAM, "change", NULL, 0},
    {"password changed for {user.name}*", "password_changed", "success", IAM, "change", NULL, 0},
    {"changed password expiry for {user.name}*", "password_expiry_changed", "success", IAM,
     "change", NULL, 0},
    {"group changed in {-} (group {group.name}/{group.id}, new name: {group.changes.name})*",
     "group_modified", "success", IAM, "change", NULL, 0},
    {"group changed in {-} (group {group.name}/{group.id}*", "group_modified", "success", IAM,
     "change", NULL, 0},
    {"changed user '{user.name}' information", "user_modified", "success", IAM, "change", NULL, 0},
    {"changed user '{user.name}' shell to '{system.auth.usermod.new}'", "user_modified", "success",
     IAM, "change", "shell changed", 0},
};

static const canh_ptable_t acct_tabs[] = {CANH_PTABLE(acct_rules)};

static int acct_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(acct_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_ACCOUNTS = {acct_init, canh_pmod_fini};

int canh_prog_accounts(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                       canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    return canh_pmod_match(d, CANH_DEC_ACCOUNTS, 0, msg, ev) >= 0 ? CANH_OK : CANH_ENOMATCH;
}
