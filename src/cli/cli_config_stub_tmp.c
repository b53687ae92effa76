#include "cli.h"
__attribute__((weak)) int canh_cmd_config_check(int argc, char **argv) { (void)argc; (void)argv; return 2; }
