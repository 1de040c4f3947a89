// traceprop-cli with the test-only "frozen" rule registered: the same commands, one more rule.
#include "commands.h"
#include "frozen/frozen_rule.h"
#include "rules/registry.h"

int main(int argc, char** argv)
{
    tp::registerRule(tp::test::kFrozenRule);
    return tp::cli::run(argc, argv);
}
