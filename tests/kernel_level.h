#pragma once
// For test executables that CTest also runs once per kernel level (TP_KERNELS=<level>, see
// tests/CMakeLists.txt): resolve the level before the first test function, say which it is, and
// skip the whole executable on a CPU that cannot run the forced level.
#include <QtTest>

#include "nn/kernels.h"

#define TP_USE_KERNEL_LEVEL_OR_SKIP()                                                 \
    do {                                                                              \
        try {                                                                         \
            qInfo("kernels: %s", tp::kern::activeDescription().c_str());              \
        } catch (const tp::kern::KernelError& e) {                                    \
            if (std::string(e.what()).find("cannot run") == std::string::npos)        \
                QFAIL(e.what());                                                      \
            QSKIP(e.what());                                                          \
        }                                                                             \
    } while (false)
