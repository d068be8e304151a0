// The GPT parity test of tests/test_gpt_parity.cpp, compiled against the double build, where gradschool
// and the float64 PyTorch reference must agree to about 1e-10.
#include "../test_gpt_parity.cpp"
