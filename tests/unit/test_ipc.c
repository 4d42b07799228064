/* SPDX-License-Identifier: MIT */
/* RemoveIPC=: the lines of /proc/sysvipc/{shm,sem,msg} matched by owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "services/ipc.h"

static const char shm_h[] = "       key      shmid perms                  size  cpid  lpid nattch   "
	"uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
static const char sem_h[] = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
static const char msg_h[] = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      "
	"stime      rtime      ctime\n";

static void test_sysv_match(void **state)
{
	int id = -1;

	(void)state;
	/* shm: uid 65534 made by root (cuid 0): the owner counts */
	assert_true(ipc_sysv_match(shm_h, " 1652384583         7 644 4096 12 0 0 65534 65534 0 0 "
				   "0 0 1700000000 0 0\n", 65534, (gid_t)-1, &id));
	assert_int_equal(id, 7);
	assert_false(ipc_sysv_match(shm_h, " 1652384583         8 644 4096 12 0 0 1000 1000 65534 "
				    "65534 0 0 1700000000 0 0\n", 65534, (gid_t)-1, &id));
	/* by group */
	assert_true(ipc_sysv_match(sem_h, " 0 32769 600 2 1000 65534 1000 1000 0 1700000000\n",
				   (uid_t)-1, 65534, &id));
	assert_int_equal(id, 32769);
	assert_true(ipc_sysv_match(msg_h, " 0 3 644 0 0 0 0 65534 65534 65534 65534 0 0 1\n",
				   65534, 65534, &id));
	assert_int_equal(id, 3);
	/* root is never matched; short or garbled lines are not */
	assert_false(ipc_sysv_match(sem_h, " 0 9 600 2 0 0 0 0 0 1\n", 0, 0, &id));
	assert_false(ipc_sysv_match(sem_h, " 0 9 600\n", 65534, 65534, &id));
	assert_false(ipc_sysv_match(sem_h, " 0 x 600 2 65534 65534 0 0 0 1\n", 65534, 65534, &id));
	assert_false(ipc_sysv_match("key id perms\n", " 0 9 600\n", 65534, 65534, &id));
	assert_false(ipc_sysv_match(sem_h, "", 65534, 65534, &id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysv_match),
	};

	return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
