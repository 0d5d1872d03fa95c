//go:build amd64 && !purego && !noasm && !race

package kernels

// hardSwishAsm runs the assembly kernel of level l over the whole 16-value blocks of x, or reports that
// l has none.
func hardSwishAsm(l Level, y, x []float32) bool {
	if l != AVX512 {
		return false
	}
	if n := len(x) / 16; n > 0 {
		hardSwishF32AVX512(&y[0], &x[0], n)
	}
	return true
}
