/* harness/cmd.h — the subcommands of `mqspec`, and the exit codes they share. */
#ifndef MQS_CMD_H
#define MQS_CMD_H

#ifndef MQS_VERSION_STRING
#define MQS_VERSION_STRING "0.1.0" /* keep in step with project() in CMakeLists.txt */
#endif

/* Exit codes of every subcommand. */
#define MQS_EXIT_OK    0 /* everything checked passed */
#define MQS_EXIT_FAIL  1 /* the input or the broker broke a rule */
#define MQS_EXIT_USAGE 2 /* a wrong flag, an unreadable file: nothing was checked */

/* Each takes argv from its own name on (argv[0] is "decode"). */
int mqs_cmd_decode(int argc, char **argv);
int mqs_cmd_run(int argc, char **argv);      /* cmd_run.c */
int mqs_cmd_list(int argc, char **argv);     /* run --list */
int mqs_cmd_validate(int argc, char **argv); /* run --check on files */
int mqs_cmd_report(int argc, char **argv);   /* cmd_report.c: HTML from run JSON */
int mqs_cmd_coverage(int argc, char **argv); /* cmd_coverage.c: statements covered */

#endif
