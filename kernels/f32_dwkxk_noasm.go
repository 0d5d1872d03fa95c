//go:build !amd64 || purego || noasm || race

package kernels

// spanAsm reports that this build has no assembly depthwise K×K kernel.
func (d *DWKxK) spanAsm(Level, []float32, []float32, int, dwKxKSpan) bool { return false }
