//go:build !amd64 || purego || noasm || race

package q8

// spanAsm reports that this build has no assembly depthwise kernels.
func (d *DW3x3) spanAsm(out, in []byte, rowOff [3]int, s dwSpan) bool { return false }
