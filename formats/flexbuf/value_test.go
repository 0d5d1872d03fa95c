package flexbuf

import (
	"math"
	"strings"
	"testing"
)

func TestScalarRoots(t *testing.T) {
	type want struct {
		i     int64
		iErr  bool
		f     float64
		fErr  bool
		b     bool
		bErr  bool
		text  string
		tErr  bool
		typ   Type
		rootW int
	}
	tests := []struct {
		name string
		it   item
		rw   int
		want want
	}{
		{"int8 -5", intItem(1, -5), 1, want{i: -5, f: -5, b: true, tErr: true, typ: TypeInt}},
		{"int16 -300", intItem(2, -300), 2, want{i: -300, f: -300, b: true, tErr: true, typ: TypeInt}},
		{"int32 min", intItem(4, math.MinInt32), 4, want{i: math.MinInt32, f: math.MinInt32, b: true, tErr: true, typ: TypeInt}},
		{"int64 max", intItem(8, math.MaxInt64), 8, want{i: math.MaxInt64, f: math.MaxInt64, b: true, tErr: true, typ: TypeInt}},
		{"int 0 in wide slot", intItem(1, 0), 8, want{i: 0, f: 0, b: false, tErr: true, typ: TypeInt}},
		{"uint8 255", uintItem(1, 255), 1, want{i: 255, f: 255, b: true, tErr: true, typ: TypeUint}},
		{"uint16 65535", uintItem(2, 65535), 2, want{i: 65535, f: 65535, b: true, tErr: true, typ: TypeUint}},
		{"uint32 max", uintItem(4, math.MaxUint32), 4, want{i: math.MaxUint32, f: math.MaxUint32, b: true, tErr: true, typ: TypeUint}},
		{"uint64 max overflows int", uintItem(8, math.MaxUint64), 8, want{iErr: true, f: math.MaxUint64, b: true, tErr: true, typ: TypeUint}},
		{"float32 0.6", f32Item(0.6), 4, want{iErr: true, f: float64(float32(0.6)), bErr: true, tErr: true, typ: TypeFloat}},
		{"float64 1e-8", f64Item(1e-8), 8, want{iErr: true, f: 1e-8, bErr: true, tErr: true, typ: TypeFloat}},
		{"float width 1 reads int8", item{typ: TypeFloat, w: 1, bits: 0xfe}, 1, want{iErr: true, f: -2, bErr: true, tErr: true, typ: TypeFloat}},
		{"float width 2 reads int16", item{typ: TypeFloat, w: 2, bits: 0x0100}, 2, want{iErr: true, f: 256, bErr: true, tErr: true, typ: TypeFloat}},
		{"bool true", boolItem(true), 1, want{i: 1, f: 0, fErr: true, b: true, tErr: true, typ: TypeBool}},
		{"bool false wide", boolItem(false), 4, want{i: 0, fErr: true, b: false, tErr: true, typ: TypeBool}},
		{"null", item{typ: TypeNull, w: 1}, 1, want{iErr: true, fErr: true, bErr: true, tErr: true, typ: TypeNull}},
		{"indirect int16", indItem(TypeIndirectInt, 2, 0xff9c), 1, want{i: -100, f: -100, b: true, tErr: true, typ: TypeIndirectInt}},
		{"indirect int64", indItem(TypeIndirectInt, 8, 1<<40), 4, want{i: 1 << 40, f: 1 << 40, b: true, tErr: true, typ: TypeIndirectInt}},
		{"indirect uint8", indItem(TypeIndirectUint, 1, 200), 1, want{i: 200, f: 200, b: true, tErr: true, typ: TypeIndirectUint}},
		{"indirect uint64 max", indItem(TypeIndirectUint, 8, math.MaxUint64), 2, want{iErr: true, f: math.MaxUint64, b: true, tErr: true, typ: TypeIndirectUint}},
		{"indirect float32", indItem(TypeIndirectFloat, 4, uint64(math.Float32bits(-2.5))), 1, want{iErr: true, f: -2.5, bErr: true, tErr: true, typ: TypeIndirectFloat}},
		{"indirect float64", indItem(TypeIndirectFloat, 8, math.Float64bits(math.Pi)), 8, want{iErr: true, f: math.Pi, bErr: true, tErr: true, typ: TypeIndirectFloat}},
		{"string", strItem("hello"), 1, want{iErr: true, fErr: true, bErr: true, text: "hello", typ: TypeString}},
		{"empty string", strItem(""), 2, want{iErr: true, fErr: true, bErr: true, text: "", typ: TypeString}},
		{"key", keyItem("max_detections"), 4, want{iErr: true, fErr: true, bErr: true, text: "max_detections", typ: TypeKey}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := scalarRoot(tc.it, tc.rw)
			v, err := Root(b)
			if err != nil {
				t.Fatalf("Root(% x): %v", b, err)
			}
			if v.Type() != tc.want.typ {
				t.Errorf("Type = %v, want %v", v.Type(), tc.want.typ)
			}
			i, err := v.Int()
			if (err != nil) != tc.want.iErr || (err == nil && i != tc.want.i) {
				t.Errorf("Int = %d, %v; want %d, error %v", i, err, tc.want.i, tc.want.iErr)
			}
			f, err := v.Float()
			if (err != nil) != tc.want.fErr || (err == nil && f != tc.want.f) {
				t.Errorf("Float = %g, %v; want %g, error %v", f, err, tc.want.f, tc.want.fErr)
			}
			bl, err := v.Bool()
			if (err != nil) != tc.want.bErr || (err == nil && bl != tc.want.b) {
				t.Errorf("Bool = %v, %v; want %v, error %v", bl, err, tc.want.b, tc.want.bErr)
			}
			s, err := v.Text()
			if (err != nil) != tc.want.tErr || (err == nil && s != tc.want.text) {
				t.Errorf("Text = %q, %v; want %q, error %v", s, err, tc.want.text, tc.want.tErr)
			}
			if _, err := v.Map(); err == nil {
				t.Errorf("Map on %v: no error", v.Type())
			}
		})
	}
}

// TestLiteralBuffers checks byte strings written out by hand from the format description.
func TestLiteralBuffers(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		typ  Type
		i    int64
	}{
		// value 7, packed INT|w1 = 0x04, root width 1.
		{"int8 7", []byte{0x07, 0x04, 0x01}, TypeInt, 7},
		// value -2 in 2 bytes, packed INT|w2 = 0x05, root width 2.
		{"int16 -2", []byte{0xfe, 0xff, 0x05, 0x02}, TypeInt, -2},
		// 0x01020304 in 4 bytes, packed UINT|w4 = 0x0a, root width 4.
		{"uint32", []byte{0x04, 0x03, 0x02, 0x01, 0x0a, 0x04}, TypeUint, 0x01020304},
		// int8 data 9 at 0; root slot at 1 holds offset 1; packed INDIRECT_INT|w1 = 0x18.
		{"indirect int", []byte{0x09, 0x01, 0x18, 0x01}, TypeIndirectInt, 9},
		// bool true: packed BOOL|w1 = 0x68.
		{"bool", []byte{0x01, 0x68, 0x01}, TypeBool, 1},
	}
	for _, tc := range tests {
		v, err := Root(tc.b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		i, err := v.Int()
		if v.Type() != tc.typ || err != nil || i != tc.i {
			t.Errorf("%s: %v %d %v, want %v %d", tc.name, v.Type(), i, err, tc.typ, tc.i)
		}
	}
}

func TestRootErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "too short"},
		{"two bytes", []byte{0x04, 0x01}, "too short"},
		{"width 3", []byte{0, 0, 0, 0x04, 3}, "root byte width 3"},
		{"width 0", []byte{0, 0x04, 0}, "root byte width 0"},
		{"width 16", append(make([]byte, 20), 0x04, 16), "root byte width 16"},
		{"width 8 but 5 bytes", []byte{0, 0, 0, 0x04, 8}, "too short for a root of width 8"},
	}
	for _, tc := range tests {
		_, err := Root(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "flexbuf: ") {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.msg)
		}
	}
}

func TestIndirectErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		// Offset 5 from position 0 points before the start.
		{"offset underflow", []byte{0x05, 0x18, 0x01}, "points before the buffer start"},
		// Offset 0 points at the slot itself; data width 8 runs past the end.
		{"data past end", []byte{0x00, 0x1b, 0x01}, "runs outside the buffer"},
		// STRING whose length byte says 200.
		{"string too long", []byte{0xc8, 'a', 0x01, 0x14, 0x01}, "runs past the buffer end"},
		// STRING at position 0 has no room for its length.
		{"string no length", []byte{'a', 0x01, 0x14, 0x01}, "no room for its length"},
		// KEY with no NUL before the end.
		{"key unterminated", []byte{'a', 'b', 0x02, 0x10, 0x01}, "not NUL-terminated"},
	}
	for _, tc := range tests {
		v, err := Root(tc.b)
		if err != nil {
			t.Fatalf("%s: Root: %v", tc.name, err)
		}
		_, err1 := v.Int()
		_, err2 := v.Text()
		err = err1
		if v.Type() == TypeString || v.Type() == TypeKey {
			err = err2
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.msg)
		}
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{TypeInt: "INT", TypeMap: "MAP", TypeIndirectFloat: "INDIRECT_FLOAT", TypeVectorBool: "VECTOR_BOOL", 30: "TYPE(30)", 63: "TYPE(63)"} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", uint8(typ), got, want)
		}
	}
}
