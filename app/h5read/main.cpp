// traceprop-h5read: the helper program that reads one untrusted HDF5 file for the others
// (engine/io/h5_isolated.h). A crash, hang or runaway allocation of the HDF5 library on a
// hostile file ends this process only; its caller reports the file as corrupt.
#include "io/h5_isolated.h"
#include "io/h5_snapshot.h"
#include "h5_events.h"
#include "shd.h"

#include <iterator>

int main(int argc, char** argv)
{
    // Every reader a program of the project may ask for, by name.
    const tp::h5::IsolatedReader* const readers[] = {&tp::h5::kSnapshotReader, &tp::kShdReader, &tp::kShdCountReader,
                                                     &tp::kH5EventsReader};
    return tp::h5::isolatedReaderMain(argc, argv, readers, std::size(readers));
}
