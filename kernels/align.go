package kernels

import "unsafe"

// alignedFloats returns a zeroed slice of n floats whose first element is
// 64-byte aligned, so that packed weights never straddle cache lines.
func alignedFloats(n int) []float32 {
	const align = 64 / 4
	buf := make([]float32, n+align)
	off := int(uintptr(unsafe.Pointer(&buf[0]))%64) / 4
	if off != 0 {
		off = align - off
	}
	return buf[off : off+n : off+n]
}
