//go:build !amd64 || purego || noasm || race

package kernels

// avgPoolAsm reports that this build has no assembly pooling kernel.
func avgPoolAsm(Level, []float32, []float32, int, int) bool { return false }
