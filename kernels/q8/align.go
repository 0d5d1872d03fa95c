package q8

import "unsafe"

// alignedBytes returns a zeroed slice of n bytes whose first element is
// 64-byte aligned, so that packed weights never straddle cache lines.
func alignedBytes(n int) []byte {
	buf := make([]byte, n+64)
	off := int(uintptr(unsafe.Pointer(&buf[0])) % 64)
	if off != 0 {
		off = 64 - off
	}
	return buf[off : off+n : off+n]
}

// alignedInt32s is alignedBytes for int32s.
func alignedInt32s(n int) []int32 {
	buf := make([]int32, n+16)
	off := int(uintptr(unsafe.Pointer(&buf[0]))%64) / 4
	if off != 0 {
		off = 16 - off
	}
	return buf[off : off+n : off+n]
}

// bytesOf views int8s as bytes.
func bytesOf(s []int8) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s))
}
