/* harness/main.c — `mqspec`: the subcommand table and its dispatch. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"run", mqs_cmd_run, "run conformance scenarios against a broker and report"},
    {"list", mqs_cmd_list, "list the scenarios that would run (run --list)"},
    {"validate", mqs_cmd_validate, "check scenario files without running them"},
    {"coverage", mqs_cmd_coverage, "which statements the scenarios cover, per version and chapter"},
    {"report", mqs_cmd_report, "render runs' JSON as one HTML report, brokers side by side"},
    {"decode", mqs_cmd_decode, "decode MQTT packets from hex or a binary file"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fprintf(f, "Usage: mqspec COMMAND [ARGS...]\n"
             "       mqspec --help | --version\n"
             "\n"
             "MQTT 3.1.1 / 5.0 conformance harness, fuzzer and reference broker.\n"
             "\n"
             "Commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n"
             "Run 'mqspec COMMAND --help' for a command's options.\n");
}

static int find(const char *name) {
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return (int)i;
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return MQS_EXIT_USAGE;
  }
  const char *arg = argv[1];
  if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0) {
    if (argc > 2 && strcmp(arg, "help") == 0) { /* mqspec help decode */
      int c = find(argv[2]);
      if (c >= 0) {
        char *sub[] = {argv[2], "--help", NULL};
        return commands[c].run(2, sub);
      }
      fprintf(stderr, "mqspec: unknown command '%s'\nTry 'mqspec --help'.\n", argv[2]);
      return MQS_EXIT_USAGE;
    }
    usage(stdout);
    return MQS_EXIT_OK;
  }
  if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
    printf("mqspec %s\n", MQS_VERSION_STRING);
    return MQS_EXIT_OK;
  }
  int c = find(arg);
  if (c < 0) {
    fprintf(stderr, "mqspec: unknown %s '%s'\nTry 'mqspec --help'.\n",
            arg[0] == '-' ? "option" : "command", arg);
    return MQS_EXIT_USAGE;
  }
  return commands[c].run(argc - 1, argv + 1);
}
