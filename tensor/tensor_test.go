package tensor

import (
	"strings"
	"testing"
)

func TestElems(t *testing.T) {
	for _, c := range []struct {
		s    Shape
		n    int
		fail bool
	}{
		{Shape{1, 224, 224, 3}, 150528, false},
		{Shape{}, 1, false},
		{Shape{0, 5}, 0, false},
		{Shape{2, -1}, 0, true},
		{Shape{1 << 16, 1 << 16}, 0, true},
		{Shape{1 << 30, 1 << 30, 1 << 30, 0}, 0, true},
	} {
		n, err := c.s.Elems()
		if (err != nil) != c.fail || (!c.fail && n != c.n) {
			t.Errorf("%v.Elems() = %d, %v", c.s, n, err)
		}
	}
	if _, err := New(Float32, Shape{1 << 20, 1 << 20}); err == nil {
		t.Error("New allocated 2^40 elements")
	}
}

func TestCheckShapeNamesBoth(t *testing.T) {
	err := CheckShape("input", Shape{1, 224, 224, 3}, Shape{1, 128, 128, 3})
	if err == nil || !strings.Contains(err.Error(), "[1 224 224 3]") || !strings.Contains(err.Error(), "[1 128 128 3]") {
		t.Fatalf("%v", err)
	}
	if CheckShape("x", Shape{2, 3}, Shape{2, 3}) != nil {
		t.Fatal("equal shapes refused")
	}
}

func TestQuantAndFloat(t *testing.T) {
	x := &Tensor{Shape: Shape{3}, DType: Uint8, U8: []uint8{0, 128, 255}, Quant: PerTensor(0.0078125, 128)}
	want := []float64{-1, 0, 0.9921875}
	for i, w := range want {
		if x.Float(i) != w {
			t.Errorf("Float(%d) = %g, want %g", i, x.Float(i), w)
		}
	}
	y := &Tensor{Shape: Shape{2}, DType: Int8, I8: []int8{-128, 127}, Quant: PerTensor(0.5, -128)}
	if y.Float(0) != 0 || y.Float(1) != 127.5 {
		t.Errorf("int8 dequantization %g %g", y.Float(0), y.Float(1))
	}
	q := &Quant{Scale: []float32{1, 2}, ZeroPoint: []int32{0, 0}, Axis: 3}
	if !q.PerChannel() || q.S(1) != 2 || !strings.Contains(q.String(), "axis 3") {
		t.Errorf("per-channel quant %v", q)
	}
}

func TestSliceSharesMemory(t *testing.T) {
	x, _ := New(Float32, Shape{4, 2})
	s := x.Slice(1, 3)
	s.F32[0] = 7
	if x.F32[2] != 7 || !s.Shape.Equal(Shape{2, 2}) {
		t.Fatalf("slice %v %v", s.Shape, x.F32)
	}
}

func TestBytesRoundTrip(t *testing.T) {
	x := &Tensor{Shape: Shape{2}, DType: Float32, F32: []float32{1.5, -2}}
	b := x.Bytes()
	if len(b) != 8 || b[3] != 0x3f || b[2] != 0xc0 {
		t.Fatalf("float32 1.5 little-endian: % x", b)
	}
	y, err := FromBytes(Float32, Shape{2}, b)
	if err != nil || y.F32[0] != 1.5 || y.F32[1] != -2 {
		t.Fatalf("%v %v", y, err)
	}
	z, err := FromBytes(Int8, Shape{3}, []byte{0xff, 0x80, 1})
	if err != nil || z.I8[0] != -1 || z.I8[1] != -128 || z.I8[2] != 1 {
		t.Fatalf("%v %v", z, err)
	}
	if _, err := FromBytes(Int32, Shape{2}, make([]byte, 7)); err == nil {
		t.Fatal("7 bytes accepted for two int32")
	}
}
