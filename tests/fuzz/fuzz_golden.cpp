// verifyGolden on arbitrary bytes (HDF5 golden-vector files), float32 and the dense path.
// Mismatching values are a report, not an error; only the exception contract is checked.
#include "fuzz_common.h"
#include "io/golden.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("golden", ".h5", data, size);
    tp::GoldenReport report;
    if (tp::fuzz::expectInput("verifyGolden", [&] { report = tp::verifyGolden(path, tp::Precision::Float32); }))
        (void)report.table();
    return 0;
}
