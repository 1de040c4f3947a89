#pragma once
// Checks of a learning effect ("learns above chance", fine-tuning gains, TP vs BPTT), made so
// that their spread can be measured. TP_TEST_SEED=k (default 0) moves the seed of every training
// run such a check makes: k = 0 keeps the test's own seeds, k > 0 adds 1000 k to them. Every
// check prints one line
//   learning: <name> value <v> bound <b>
// and tests/bench/learning_spread.py runs the tests over seeds 0..9 (and any build or kernel
// level) and reports each check's smallest value and margin (README, "Tests that hold on any CPU").
#include <QString>
#include <QStringList>
#include <QtTest>

#include <cstdint>

namespace tp_test {

/// k of TP_TEST_SEED (0 when unset).
inline int seedShift()
{
    return qEnvironmentVariableIntValue("TP_TEST_SEED");
}

/// The seed a run uses in place of `own`: own + 1000 k.
inline std::uint64_t runSeed(std::uint64_t own)
{
    return own + 1000 * std::uint64_t(seedShift());
}

/// `--set run.seed=1000k` for a CLI run (nothing for k = 0: the experiment's own seed).
inline QStringList seedArgs()
{
    const int k = seedShift();
    return k == 0 ? QStringList{} : QStringList{QStringLiteral("--set"), QStringLiteral("run.seed=%1").arg(1000 * k)};
}

} // namespace tp_test

/// value >= bound, printed as a "learning:" line whether it holds or not.
#define TP_VERIFY_LEARNED(name, value, bound)                                                                 \
    do {                                                                                                      \
        const double tpLearnedValue = double(value), tpLearnedBound = double(bound);                          \
        qInfo("learning: %s value %.4f bound %.4f", name, tpLearnedValue, tpLearnedBound);                    \
        QVERIFY2(tpLearnedValue >= tpLearnedBound,                                                            \
                 qPrintable(QStringLiteral("%1: %2 < %3").arg(name).arg(tpLearnedValue).arg(tpLearnedBound))); \
    } while (false)
