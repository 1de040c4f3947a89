// The checkpoint / results reader on arbitrary bytes (HDF5): h5::File::openRead (isolated) and
// the history, memory and memory-table readers that --resume, eval, finetune and report use.
#include "fuzz_common.h"
#include "io/h5.h"
#include "train/memory_model.h"
#include "train/run_files.h"
#include "train/trainer.h"

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    tp::fuzz::limitIsolatedReaders();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string& path = tp::fuzz::writeInput("run_files", ".h5", data, size);
    tp::fuzz::expectInput("run files", [&] {
        const tp::h5::File f = tp::h5::File::openRead(path);
        tp::fuzz::expectInput("readHistory", [&] { (void)tp::readHistory(f); });
        tp::fuzz::expectInput("readMemory", [&] { (void)tp::readMemory(f); });
        tp::fuzz::expectInput("readMemoryTable", [&] { (void)tp::readMemoryTable(f); });
        tp::fuzz::expectInput("config", [&] { (void)f.readString("config"); });
        tp::fuzz::expectInput("precision", [&] { (void)f.attrString("precision"); });
        tp::fuzz::expectInput("weights", [&] {
            for (const auto& name : f.datasets("weights"))
                (void)f.readDoubles("weights/" + name);
        });
    });
    return 0;
}
