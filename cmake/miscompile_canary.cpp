// GCC 12.2 with AVX-512 (-O2 -march=native on an AVX-512 CPU) builds this vector as eight 1s: the
// SLP vectorizer turns the constant {1, 1, 1, 1, 0, 0, 0, 0} into a broadcast of its first half.
// CMake compiles and runs it at configure time; exit status 1 means the compiler miscompiles and
// the build turns the SLP vectorizer off (-fno-tree-slp-vectorize).
#include <vector>

__attribute__((noinline)) int zeros_in(const float* p, int n) {
    int zeros = 0;
    for (int i = 0; i < n; ++i) zeros += p[i] == 0.0f ? 1 : 0;
    return zeros;
}

int main() {
    std::vector<float> v{1, 1, 1, 1, 0, 0, 0, 0};
    return zeros_in(v.data(), 8) == 4 ? 0 : 1;
}
