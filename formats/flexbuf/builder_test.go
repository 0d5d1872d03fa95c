package flexbuf_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
)

// want is one entry added to a MapBuilder and what the reader must give back.
type want struct {
	key  string
	typ  flexbuf.Type
	i    int64
	u    uint64
	f    float64
	bool bool
}

func (w want) add(b *flexbuf.MapBuilder) {
	switch w.typ {
	case flexbuf.TypeInt:
		b.Int(w.key, w.i)
	case flexbuf.TypeUint:
		b.Uint(w.key, w.u)
	case flexbuf.TypeFloat:
		b.Float(w.key, w.f)
	case flexbuf.TypeBool:
		b.Bool(w.key, w.bool)
	}
}

// check reads b back and compares every entry with ws (distinct keys).
func check(b []byte, ws []want) error {
	root, err := flexbuf.Root(b)
	if err != nil {
		return err
	}
	m, err := root.Map()
	if err != nil {
		return err
	}
	if m.Len() != len(ws) {
		return fmt.Errorf("Len = %d, want %d", m.Len(), len(ws))
	}
	for _, w := range ws {
		v, ok, err := m.Get(w.key)
		if err != nil || !ok {
			return fmt.Errorf("Get(%q) = %v, %v", w.key, ok, err)
		}
		if v.Type() != w.typ {
			return fmt.Errorf("%q: type %v, want %v", w.key, v.Type(), w.typ)
		}
		switch w.typ {
		case flexbuf.TypeInt:
			if got, err := v.Int(); err != nil || got != w.i {
				return fmt.Errorf("%q: Int = %d, %v; want %d", w.key, got, err, w.i)
			}
		case flexbuf.TypeUint:
			got, err := v.Float() // Float reads any unsigned value, Int only those up to MaxInt64
			if err != nil || got != float64(w.u) {
				return fmt.Errorf("%q: Float = %v, %v; want %d", w.key, got, err, w.u)
			}
		case flexbuf.TypeFloat:
			got, err := v.Float()
			if err != nil || !(got == w.f || math.IsNaN(got) && math.IsNaN(w.f)) {
				return fmt.Errorf("%q: Float = %v, %v; want %v", w.key, got, err, w.f)
			}
		case flexbuf.TypeBool:
			if got, err := v.Bool(); err != nil || got != w.bool {
				return fmt.Errorf("%q: Bool = %v, %v; want %v", w.key, got, err, w.bool)
			}
		}
	}
	return nil
}

func build(ws []want) ([]byte, error) {
	var b flexbuf.MapBuilder
	for _, w := range ws {
		w.add(&b)
	}
	return b.Bytes()
}

// TestMapBuilderPostProcess writes the SSD post-process options (FACTS §5) and reads them back.
func TestMapBuilderPostProcess(t *testing.T) {
	ws := []want{
		{key: "max_detections", typ: flexbuf.TypeInt, i: 10},
		{key: "max_classes_per_detection", typ: flexbuf.TypeInt, i: 1},
		{key: "detections_per_class", typ: flexbuf.TypeInt, i: 100},
		{key: "use_regular_nms", typ: flexbuf.TypeBool, bool: false},
		{key: "nms_score_threshold", typ: flexbuf.TypeFloat, f: float64(float32(1e-8))},
		{key: "nms_iou_threshold", typ: flexbuf.TypeFloat, f: float64(float32(0.6))},
		{key: "num_classes", typ: flexbuf.TypeInt, i: 90},
		{key: "y_scale", typ: flexbuf.TypeFloat, f: 10},
		{key: "x_scale", typ: flexbuf.TypeFloat, f: 10},
		{key: "h_scale", typ: flexbuf.TypeFloat, f: 5},
		{key: "w_scale", typ: flexbuf.TypeFloat, f: 5},
	}
	b, err := build(ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(b, ws); err != nil {
		t.Fatal(err)
	}
	// Floats that are float32 values take 4-byte slots: the map's width is 4, and the last byte (the
	// root width) is 1 for so small a buffer.
	if n := len(b); b[n-1] != 1 || b[n-2] != byte(flexbuf.TypeMap)<<2|2 {
		t.Fatalf("root bytes %v, want packed MAP width 4 and root width 1", b[n-2:])
	}
}

func TestMapBuilderWidths(t *testing.T) {
	for _, ws := range [][]want{
		nil,
		{{key: "a", typ: flexbuf.TypeInt, i: -1}},
		{{key: "a", typ: flexbuf.TypeInt, i: math.MinInt64}, {key: "b", typ: flexbuf.TypeUint, u: math.MaxUint64}},
		{{key: "f64", typ: flexbuf.TypeFloat, f: 0.1}, {key: "", typ: flexbuf.TypeBool, bool: true}},
		{{key: strings.Repeat("k", 70000), typ: flexbuf.TypeInt, i: 3}, {key: "z", typ: flexbuf.TypeFloat, f: math.Inf(-1)}},
	} {
		b, err := build(ws)
		if err != nil {
			t.Fatal(err)
		}
		if err := check(b, ws); err != nil {
			t.Fatalf("%d entries: %v", len(ws), err)
		}
	}
}

func TestMapBuilderRefuses(t *testing.T) {
	var b flexbuf.MapBuilder
	b.Int("a", 1)
	b.Bool("a", true)
	if _, err := b.Bytes(); err == nil || !strings.Contains(err.Error(), `"a" added twice`) {
		t.Fatalf("duplicate key: %v", err)
	}
	b = flexbuf.MapBuilder{}
	b.Int("a\x00b", 1)
	if _, err := b.Bytes(); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("NUL in key: %v", err)
	}
}

// FuzzMapBuilder builds a map from the fuzz bytes (keys, types and values drawn from them), writes it
// and reads every entry back with the reader.
func FuzzMapBuilder(f *testing.F) {
	f.Add([]byte("max_detections\x00\x01\x0a\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Add([]byte("a\x00\x03\x9a\x99\x99\x99\x99\x99\xb9\x3fbb\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ws []want
		seen := map[string]bool{}
		for len(data) > 0 && len(ws) < 64 {
			end := strings.IndexByte(string(data), 0)
			if end < 0 || len(data) < end+10 {
				break
			}
			key := string(data[:end])
			kind := data[end+1] % 4
			bits := binary.LittleEndian.Uint64(data[end+2:])
			data = data[end+10:]
			if seen[key] {
				continue
			}
			seen[key] = true
			w := want{key: key}
			switch kind {
			case 0:
				w.typ, w.i = flexbuf.TypeInt, int64(bits)
			case 1:
				w.typ, w.u = flexbuf.TypeUint, bits
			case 2:
				w.typ, w.f = flexbuf.TypeFloat, math.Float64frombits(bits)
			default:
				w.typ, w.bool = flexbuf.TypeBool, bits&1 == 1
			}
			ws = append(ws, w)
		}
		b, err := build(ws)
		if err != nil {
			t.Fatal(err)
		}
		if err := check(b, ws); err != nil {
			t.Fatal(err)
		}
	})
}
