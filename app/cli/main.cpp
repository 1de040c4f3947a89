// traceprop-cli: the headless front end. Wiring only: parse arguments, build objects, hand over.
#include "commands.h"

int main(int argc, char** argv) { return tp::cli::run(argc, argv); }
