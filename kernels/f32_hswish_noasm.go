//go:build !amd64 || purego || noasm || race

package kernels

// hardSwishAsm reports that this build has no assembly h-swish kernel.
func hardSwishAsm(Level, []float32, []float32) bool { return false }
