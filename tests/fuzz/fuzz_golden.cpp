// verifyGolden on arbitrary bytes (HDF5 golden-vector files), float32 and the dense path.
// Mismatching values are a report, not an error; only the exception contract is checked. A
// replay that diverges (finite but extreme values) stops with tp::DivergenceError, which the
// CLI reports as a failed verification (exit 1): an expected outcome too.
#include "fuzz_common.h"
#include "core/errors.h"
#include "rules/tp/golden.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("golden", ".h5", data, size);
    tp::GoldenReport report;
    if (tp::fuzz::expectInput("verifyGolden", [&] {
            try {
                report = tp::verifyGolden(path, tp::Precision::Float32);
            } catch (const tp::DivergenceError&) {
            }
        }))
        (void)report.table();
    return 0;
}
