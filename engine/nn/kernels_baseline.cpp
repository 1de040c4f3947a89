// The kernels compiled for the baseline level (its -march comes from engine/CMakeLists.txt).
#define TP_KERNEL_LEVEL baseline
#include "nn/kernels_impl.h"
