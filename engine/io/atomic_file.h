#pragma once
/// The one way files are replaced on disk (run files, reports, caches, exports): the bytes go to
/// PATH.tmp, every write and the close are checked, the data is fsync'ed before the rename over
/// PATH, and the folder is fsync'ed after it. Any failure removes PATH.tmp and leaves PATH as it
/// was. h5::writeAtomically builds HDF5 files in memory and hands their bytes to this function.
#include <string>
#include <string_view>

namespace tp {

/// Replace `path` with `bytes` as described above. Throws IoError on failure:
/// "disk full while writing PATH; KEPT" when the disk (or a quota or file size limit) is full,
/// "cannot write PATH: REASON; KEPT" otherwise. `kept` says what survives ("the last good
/// checkpoint (epoch 3) is kept"); empty: keptPrevious(path).
///
/// Test hook: with TP_FAIL_WRITES_AFTER_BYTES=N in the environment, the writes of this process
/// fail with ENOSPC (as a full disk does) once N bytes have been written through this function;
/// with TP_FAIL_WRITES_AFTER_FILES=N, they fail once N files have been written through it (the
/// next one is left as it was, like a process killed before that rename); with
/// TP_FAIL_WRITES_TO=NAME as well, only the writes to files named NAME count and fail.
/// Any thread; concurrent calls for different paths are safe.
void writeFileAtomically(const std::string& path, std::string_view bytes, const std::string& kept = {});

/// "the previous FILE is kept" when `path` exists, "nothing was written" otherwise.
std::string keptPrevious(const std::string& path);

} // namespace tp
