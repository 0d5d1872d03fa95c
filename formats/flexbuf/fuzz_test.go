package flexbuf_test

import "testing"

// FuzzRoot parses arbitrary bytes and reads everything reachable from the root: every key
// and every value of (nested) maps, each asked for every scalar type. It must never panic.
// Seeds: the real post-process options and a few small buffers.
func FuzzRoot(f *testing.F) {
	for file := range optionFiles {
		f.Add(readOptions(f, file))
	}
	f.Add([]byte{0x07, 0x04, 0x01})
	f.Add([]byte{0x09, 0x01, 0x18, 0x01})
	f.Add([]byte{'a', 0, 0x01, 0x04, 0x02, 0x01, 0x01, 0x01, 0x05, 0x04, 0x03, 0x24, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = walk(b)
	})
}
