#pragma once
/// Live data out of a training run and commands into it (architecture.md "Training thread ->
/// GUI"). No Qt. One producer (the training thread) and one consumer (the GUI thread):
///  - per-step scalars go through a lock-free single-producer/single-consumer ring; when it is
///    full the sample is dropped and counted, the trainer never blocks;
///  - the heavy state of one sample (spikes, potentials, traces) goes through a latest-value-wins
///    snapshot slot (a shared pointer swapped under a short lock), filled only while the consumer
///    has a probe request set, at most every N steps;
///  - pause / resume / step one batch / stop / set learning rate are applied by the trainer at
///    batch boundaries (Trainer::run with TrainOptions::telemetry).
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "rules/probe.h"

namespace tp {

class Telemetry {
public:
    static constexpr int kMaxLayers = 16;  ///< layers reported per step (deeper ones are not)

    /// One training step (= one batch). Trivially copyable.
    struct StepSample {
        std::int64_t step = 0;     ///< 1-based training step of the run
        std::int32_t epoch = 0;    ///< 1-based
        std::int32_t batch = 0;    ///< 1-based within the epoch
        std::int32_t batches = 0;  ///< batches per epoch
        std::int32_t layers = 0;   ///< valid entries of layer_loss and firing_rate
        double lr = 0;             ///< learning rate this step trained with
        bool lr_changed = false;   ///< lr was set by setLearningRate() just before this step
        float readout_loss = 0;    ///< mean readout cross-entropy per time step
        float accuracy = 0;        ///< batch accuracy 0..1 (online, during training)
        std::array<float, kMaxLayers> layer_loss{};   ///< mean local loss E_l per time step
        std::array<float, kMaxLayers> firing_rate{};  ///< input-path spikes per neuron per step
    };

    /// `capacity` is rounded up to a power of two.
    explicit Telemetry(std::size_t capacity = 1 << 14);
    Telemetry(const Telemetry&) = delete;
    Telemetry& operator=(const Telemetry&) = delete;

    // --- ring (producer: training thread; consumer: one other thread) ---
    /// Producer. False (and one more drop counted) when the ring is full. Never blocks.
    bool push(const StepSample& sample) noexcept;
    /// Consumer. False when empty.
    bool pop(StepSample& sample) noexcept;
    /// Consumer: appends at most `max` samples to `out`; returns how many.
    std::size_t drain(std::vector<StepSample>& out, std::size_t max = SIZE_MAX);
    std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); }
    std::size_t capacity() const noexcept { return m_ring.size(); }
    /// Steps the trainer completed (pushed or dropped); any thread.
    std::int64_t stepsDone() const noexcept { return m_steps.load(std::memory_order_acquire); }
    /// Producer: counts a finished step (the trainer calls it after push()).
    void countStep() noexcept { m_steps.fetch_add(1, std::memory_order_release); }

    // --- snapshot slot ---
    /// Consumer: what to record (nullopt: record nothing) and at most every `every_steps` steps.
    void setProbeRequest(std::optional<ProbeRequest> request, int every_steps = 4);
    /// Producer: the request if one is set and due at `step` (then the step counts as probed).
    std::shared_ptr<const ProbeRequest> probeDue(std::int64_t step);
    /// Producer: replaces whatever the slot holds.
    void publish(std::shared_ptr<const Probe> probe);
    /// Consumer: the latest probe not taken yet, or null.
    std::shared_ptr<const Probe> takeProbe();
    std::int64_t probesPublished() const noexcept { return m_published.load(std::memory_order_relaxed); }

    // --- control (any thread; applied by the trainer at the next batch boundary) ---
    void pause();
    void resume();
    /// Runs exactly one more batch, then pauses (also when running).
    void stepOnce();
    void requestStop();
    void setLearningRate(double lr);
    bool pauseRequested() const noexcept { return m_paused.load(); }
    bool stopRequested() const noexcept { return m_stop.load(); }
    /// True while the trainer waits at a batch boundary because of pause().
    bool parked() const noexcept { return m_parked.load(); }

    /// Trainer, at a batch boundary: returns at once when running; waits while paused (until
    /// resume, a step or a stop). False means stop (requestStop or `stop`).
    bool awaitBatch(std::stop_token stop);
    /// Trainer: a learning rate set since the last call, once.
    std::optional<double> takeLearningRate() noexcept;

private:
    std::vector<StepSample> m_ring;
    std::size_t m_mask;
    alignas(64) std::atomic<std::uint64_t> m_head{0};  // written by the producer
    alignas(64) std::atomic<std::uint64_t> m_tail{0};  // written by the consumer
    alignas(64) std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::int64_t> m_steps{0};

    // The request and the slot are shared pointers swapped under a short lock (never held while
    // recording or drawing); libstdc++ 12's std::atomic<shared_ptr> is not ThreadSanitizer-clean.
    mutable std::mutex m_slotMutex;
    std::shared_ptr<const ProbeRequest> m_request;
    std::shared_ptr<const Probe> m_slot;
    std::atomic<bool> m_hasRequest{false};  // lets the trainer skip the lock when nothing is asked
    std::atomic<int> m_probeEvery{4};
    std::int64_t m_lastProbe = -1;  // producer only
    std::atomic<std::int64_t> m_published{0};

    std::mutex m_mutex;  // only for the condition variable of pause; flags are atomics
    std::condition_variable_any m_wake;
    std::atomic<bool> m_paused{false}, m_stop{false}, m_parked{false};
    std::atomic<int> m_stepCredits{0};
    std::atomic<double> m_pendingLr{-1.0};
};

} // namespace tp
