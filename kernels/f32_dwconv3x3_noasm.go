//go:build !amd64 || purego || noasm || race

package kernels

// spanAsm reports that this build has no assembly depthwise kernel.
func (d *DW3x3) spanAsm(Level, []float32, []float32, [3]int, dwSpan) bool { return false }
