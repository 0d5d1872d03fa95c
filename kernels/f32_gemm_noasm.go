//go:build !amd64 || purego || noasm || race

package kernels

// runAsm reports that this build has no assembly GEMM.
func (g *GEMM) runAsm(Level, gemmArgs) bool { return false }
