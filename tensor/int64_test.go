package tensor

import (
	"slices"
	"testing"
)

// TestInt64: the index type of ARG_MAX's output: 8 bytes little-endian, sliced, copied and read as reals.
func TestInt64(t *testing.T) {
	x, err := New(Int64, Shape{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	copy(x.I64, []int64{0, 20, -1, 1 << 40})
	if x.Len() != 4 || Int64.Size() != 8 || Int64.String() != "int64" || Int64.Float() || Int64.Quantized() {
		t.Fatalf("len %d size %d name %q", x.Len(), Int64.Size(), Int64.String())
	}
	b := x.Bytes()
	if len(b) != 32 || b[8] != 20 || b[16] != 0xff {
		t.Fatalf("bytes % x", b)
	}
	y, err := FromBytes(Int64, Shape{2, 2}, b)
	if err != nil || !slices.Equal(y.I64, x.I64) {
		t.Fatalf("round trip %v %v", y, err)
	}
	if _, err := FromBytes(Int64, Shape{2, 2}, b[:31]); err == nil {
		t.Error("31 bytes accepted")
	}
	if s := x.Slice(1, 2); !slices.Equal(s.I64, []int64{-1, 1 << 40}) || s.Float(1) != 1<<40 {
		t.Errorf("slice %v", s.I64)
	}
	z, _ := New(Int64, Shape{4})
	if err := z.CopyData(x); err != nil || !slices.Equal(z.I64, x.I64) {
		t.Errorf("copy %v %v", z.I64, err)
	}
}
