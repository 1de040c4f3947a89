#include "train/telemetry.h"

#include <bit>
#include <cmath>

namespace tp {

Telemetry::Telemetry(std::size_t capacity)
    : m_ring(std::bit_ceil(std::max<std::size_t>(capacity, 2))), m_mask(m_ring.size() - 1)
{
}

bool Telemetry::push(const StepSample& sample) noexcept
{
    const auto head = m_head.load(std::memory_order_relaxed);
    if (head - m_tail.load(std::memory_order_acquire) == m_ring.size()) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    m_ring[head & m_mask] = sample;
    m_head.store(head + 1, std::memory_order_release);
    return true;
}

bool Telemetry::pop(StepSample& sample) noexcept
{
    const auto tail = m_tail.load(std::memory_order_relaxed);
    if (tail == m_head.load(std::memory_order_acquire))
        return false;
    sample = m_ring[tail & m_mask];
    m_tail.store(tail + 1, std::memory_order_release);
    return true;
}

std::size_t Telemetry::drain(std::vector<StepSample>& out, std::size_t max)
{
    std::size_t n = 0;
    StepSample s;
    while (n < max && pop(s)) {
        out.push_back(s);
        ++n;
    }
    return n;
}

void Telemetry::setProbeRequest(std::optional<ProbeRequest> request, int every_steps)
{
    auto shared = request ? std::make_shared<const ProbeRequest>(std::move(*request)) : nullptr;
    m_probeEvery.store(std::max(1, every_steps));
    std::lock_guard lock(m_slotMutex);
    m_request.swap(shared);
    m_hasRequest = bool(m_request);
}  // `shared`, now the old request, is released after the lock (it was declared first)

std::shared_ptr<const ProbeRequest> Telemetry::probeDue(std::int64_t step)
{
    if (!m_hasRequest.load() || (m_lastProbe >= 0 && step - m_lastProbe < m_probeEvery.load()))
        return nullptr;
    std::shared_ptr<const ProbeRequest> request;
    {
        std::lock_guard lock(m_slotMutex);
        request = m_request;
    }
    if (request)
        m_lastProbe = step;
    return request;
}

void Telemetry::publish(std::shared_ptr<const Probe> probe)
{
    {
        std::lock_guard lock(m_slotMutex);
        m_slot.swap(probe);
    }  // a probe the consumer never took is freed here, after the lock
    m_published.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const Probe> Telemetry::takeProbe()
{
    std::shared_ptr<const Probe> probe;
    std::lock_guard lock(m_slotMutex);
    probe.swap(m_slot);
    return probe;
}

void Telemetry::pause()
{
    std::lock_guard lock(m_mutex);
    m_paused = true;
}

void Telemetry::resume()
{
    {
        std::lock_guard lock(m_mutex);
        m_paused = false;
        m_stepCredits = 0;
    }
    m_wake.notify_all();
}

void Telemetry::stepOnce()
{
    {
        std::lock_guard lock(m_mutex);
        m_paused = true;
        ++m_stepCredits;
    }
    m_wake.notify_all();
}

void Telemetry::requestStop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
}

void Telemetry::setLearningRate(double lr)
{
    m_pendingLr.store(lr);
}

std::optional<double> Telemetry::takeLearningRate() noexcept
{
    const double lr = m_pendingLr.exchange(-1.0);
    if (!(lr > 0) || !std::isfinite(lr))
        return std::nullopt;
    return lr;
}

bool Telemetry::awaitBatch(std::stop_token stop)
{
    if (!m_paused.load() && !m_stop.load())
        return !stop.stop_requested();
    std::unique_lock lock(m_mutex);
    const bool go = m_wake.wait(lock, stop, [&] {
        m_parked = m_paused && m_stepCredits == 0 && !m_stop;
        return !m_parked;
    });
    m_parked = false;
    if (!go || m_stop)
        return false;
    if (m_paused)
        --m_stepCredits;
    return true;
}

} // namespace tp
