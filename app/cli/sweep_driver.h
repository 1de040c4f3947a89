#pragma once
/// What the serial and the MPI sweep drivers share: the job, one run (skipped when complete),
/// the lines printed per run, and the summary at the end.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "train/sweep.h"

namespace tp::cli {

struct SweepJob {
    SweepSpec spec;
    std::string out;          ///< the sweep's folder: one sub-folder per run + summary.*
    int threads = -1;         ///< run.threads of every run (-1: the experiment's own)
    double lost_after_s = 30; ///< MPI: a rank silent this long is lost and its run retried
};

/// Runs (or finds complete) the runs of a job on this process; keeps the last dataset open
/// so that runs on the same data (seeds, learning rates) do not reload it.
class RunExecutor {
public:
    explicit RunExecutor(const SweepJob& job) : m_job(job) {}
    /// The run's outcome; `*skipped` tells whether it was complete already. `rank` and
    /// `attempt` go to the run's owner.json (who trains it: lets an operator find the process).
    RunOutcome run(int index, int rank, int attempt, bool* skipped);
    /// The run's outcome when its folder holds a complete result of the same experiment.
    std::optional<RunOutcome> completed(int index) const;

private:
    Experiment experiment(int index) const;
    const SweepJob& m_job;
    std::string m_datasetKey;
    std::unique_ptr<Dataset> m_dataset;
};

/// "run NAME: best 93.70% (epoch 12), final 93.10%" (+ suffix), or the failure.
std::string runLine(const SweepRun& run, const RunOutcome& outcome, bool skipped, const std::string& suffix = {});

/// Write the summary files, print the group table; exit code 1 when a run failed or is missing.
int finishSweep(const SweepJob& job, const std::vector<std::optional<RunOutcome>>& outcomes);

/// True when this process was started by mpirun (Open MPI, PMIx or PMI environment).
bool launchedUnderMpi();

/// The MPI driver (app/cli/mpi/mpi_sweep.cpp); only in builds with MPI.
int runSweepMpi(SweepJob& job);

/// `train --data-parallel` under mpirun (app/cli/mpi/mpi_train.cpp): one run, each rank a
/// slice of every batch, weights and Adam moments averaged after every batch; rank 0 writes `out`.
int trainDataParallel(const Experiment& experiment, const std::string& file, const std::string& out, bool json,
                      bool overwrite);

} // namespace tp::cli
