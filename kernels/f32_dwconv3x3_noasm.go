//go:build !amd64 || purego || noasm || race

package kernels

// spanAsm reports that this build has no assembly depthwise kernel.
func (d *DW3x3) spanAsm(Level, []float32, []float32, [3]int, dwSpan) bool { return false }

// pairAsm reports that this build has no assembly depthwise kernel.
func (d *DW3x3) pairAsm(Level, []float32, []float32, int, int, int, int, int, int, int, int, float32, float32) bool {
	return false
}
