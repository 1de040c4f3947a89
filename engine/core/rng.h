#pragma once
/// Seeded random numbers that are identical on every platform and standard library:
/// splitmix64 for seeding, xoshiro256** for the stream, and our own uniform mapping
/// (std::uniform_real_distribution differs between libstdc++ and libc++).
#include <cstdint>

namespace tp {

inline std::uint64_t splitmix64(std::uint64_t& state)
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// Independent stream for (seed, stream id): each consumer of randomness names its stream.
class Rng {
public:
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0)
    {
        std::uint64_t s = seed ^ (0xD1B54A32D192ED03ull * (stream + 1));
        for (auto& word : m_s)
            word = splitmix64(s);
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [0, n), unbiased (Lemire's method with rejection).
    std::uint64_t below(std::uint64_t n)
    {
        unsigned __int128 m = (unsigned __int128)next() * n;
        std::uint64_t low = std::uint64_t(m);
        if (low < n) {
            const std::uint64_t threshold = -n % n;
            while (low < threshold) {
                m = (unsigned __int128)next() * n;
                low = std::uint64_t(m);
            }
        }
        return std::uint64_t(m >> 64);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t m_s[4];
};

} // namespace tp
