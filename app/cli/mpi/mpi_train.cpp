// Data-parallel training of one run under mpirun (`traceprop-cli train --data-parallel`):
// every rank trains its slice of each batch (BatchSliceDataset), then the weights and Adam
// moments are summed on rank 0, divided by the rank count and broadcast, so that every rank
// continues from bit-identical arrays (a reduce + broadcast, not an allreduce, whose result
// may differ in the last bit between ranks). Rank 0 prints and writes the run folder.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "core/errors.h"
#include "sweep_driver.h"
#include "train/data_parallel.h"
#include "train/run_files.h"
#include "train/trainer.h"

namespace tp::cli {

namespace {

template <typename S>
void averageBuffers(Model& model, int ranks, int rank, MPI_Datatype type, double& commSeconds)
{
    const auto start = std::chrono::steady_clock::now();
    std::vector<S> packed;
    model.forEachTrainable([&](void* data, std::size_t n) {
        const S* p = static_cast<const S*>(data);
        packed.insert(packed.end(), p, p + n);
    });
    std::vector<S> sum(rank == 0 ? packed.size() : 0);
    MPI_Reduce(packed.data(), sum.data(), int(packed.size()), type, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (std::size_t i = 0; i < sum.size(); ++i)
            packed[i] = sum[i] / S(ranks);
    MPI_Bcast(packed.data(), int(packed.size()), type, 0, MPI_COMM_WORLD);
    std::size_t at = 0;
    model.forEachTrainable([&](void* data, std::size_t n) {
        std::copy(packed.begin() + std::ptrdiff_t(at), packed.begin() + std::ptrdiff_t(at + n), static_cast<S*>(data));
        at += n;
    });
    commSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int trainDataParallel(const Experiment& experiment, const std::string& file, const std::string& out, bool json,
                      bool overwrite)
{
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    try {
        const auto data = openExperimentData(experiment, file);
        const BatchSliceDataset slice(*data, ranks, rank, experiment.run.batch, experiment.run.seed,
                                      experiment.run.shuffle);
        Experiment e = experiment;
        e.run.batch = experiment.run.batch / ranks;
        e.run.shuffle = false;  // the slice view shuffles the global batches
        Trainer trainer(e, slice);
        const bool float64 = trainer.model().precision() == Precision::Float64;
        double commSeconds = 0;
        TrainOptions opt;
        opt.out_dir = rank == 0 ? out : std::string();
        opt.overwrite = overwrite;
        opt.on_progress = [&](const Progress&) {
            if (float64)
                averageBuffers<double>(trainer.model(), ranks, rank, MPI_DOUBLE, commSeconds);
            else
                averageBuffers<float>(trainer.model(), ranks, rank, MPI_FLOAT, commSeconds);
        };
        opt.on_epoch = [&](const EpochMetrics& m) {
            if (rank != 0)
                return;
            nlohmann::json j = RunFiles::epochJson(m);
            j["ranks"] = ranks;
            j["global_samples_per_second"] = m.samples_per_second * ranks;
            j["averaging_seconds"] = commSeconds;
            if (json)
                std::cout << j.dump() << std::endl;
            else
                std::printf("epoch %3d  train %.2f%%  test %.2f%%  %.0f samples/s on %d ranks (averaging %.2f s)\n",
                            m.epoch, 100 * m.train_accuracy, 100 * m.test_accuracy, m.samples_per_second * ranks,
                            ranks, commSeconds);
            std::fflush(stdout);
            commSeconds = 0;
        };
        const TrainResult r = trainer.run(opt);
        if (rank == 0 && !json)
            std::printf("best test accuracy %.2f%%, final %.2f%% (data-parallel, %d ranks, global batch %d)\n",
                        100 * r.best_test_accuracy(), r.history.empty() ? 0.0 : 100 * r.history.back().test_accuracy,
                        ranks, experiment.run.batch);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "rank %d: error: %s\n", rank, ex.what());
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, dynamic_cast<const InputError*>(&ex) ? kExitBadInput : kExitRunFailure);
    }
    MPI_Finalize();
    return kExitOk;
}

} // namespace tp::cli
