package tflite

import (
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"
)

// decoder reads a flatbuffer with every access bounds-checked. Positions are int64 so that
// offset arithmetic cannot overflow. It charges a decode budget for every vector element and
// string byte it decodes, so shared or overlapping objects cannot make a small file decode
// into a huge model, and it records the furthest byte any decoded object reaches.
type decoder struct {
	b      []byte
	size   int64
	budget int64
	end    int64
}

// newDecoder returns a decoder over b. The budget allows twice the file size plus 64 Ki
// elements: a file whose objects are not shared needs at most one unit per byte.
func newDecoder(b []byte) *decoder {
	n := int64(len(b))
	return &decoder{b: b, size: n, budget: 2*n + 1<<16}
}

func (d *decoder) touch(end int64) {
	if end > d.end {
		d.end = end
	}
}

func (d *decoder) charge(n int64) error {
	if n > d.budget {
		return fmt.Errorf("model decodes to more objects than a %d-byte file holds (shared or overlapping tables)", d.size)
	}
	d.budget -= n
	return nil
}

// inFile reports whether [pos, pos+n) lies inside the file.
func (d *decoder) inFile(pos, n int64) bool {
	return pos >= 0 && n >= 0 && pos <= d.size && n <= d.size-pos
}

// The raw readers below use the flatbuffers runtime's little-endian scalar readers, which do not
// check bounds: they are only called on ranges already checked with inFile.
func (d *decoder) rawU16(pos int64) uint16 { return flatbuffers.GetUint16(d.b[pos:]) }
func (d *decoder) rawU32(pos int64) uint32 { return flatbuffers.GetUint32(d.b[pos:]) }
func (d *decoder) rawU64(pos int64) uint64 { return flatbuffers.GetUint64(d.b[pos:]) }

// table is a flatbuffer table whose object and vtable have been checked to lie in the file.
// The zero table has no fields: every accessor returns the field's default.
type table struct {
	d       *decoder
	pos     int64 // first byte of the object (its soffset to the vtable)
	vt      int64 // first byte of the vtable
	vtSize  int64 // vtable size in bytes
	objSize int64 // object size in bytes
}

// table checks and returns the table whose object starts at pos.
func (d *decoder) table(pos int64) (table, error) {
	if !d.inFile(pos, 4) {
		return table{}, fmt.Errorf("table at %d outside the file (%d bytes)", pos, d.size)
	}
	vt := pos - int64(int32(d.rawU32(pos)))
	if !d.inFile(vt, 4) {
		return table{}, fmt.Errorf("table at %d: vtable at %d outside the file (%d bytes)", pos, vt, d.size)
	}
	vtSize, objSize := int64(d.rawU16(vt)), int64(d.rawU16(vt+2))
	if vtSize < 4 || vtSize%2 != 0 || !d.inFile(vt, vtSize) {
		return table{}, fmt.Errorf("table at %d: vtable at %d has invalid size %d", pos, vt, vtSize)
	}
	if objSize < 4 || !d.inFile(pos, objSize) {
		return table{}, fmt.Errorf("table at %d: object size %d invalid or past the end of the file (%d bytes)", pos, objSize, d.size)
	}
	d.touch(vt + vtSize)
	d.touch(pos + objSize)
	return table{d: d, pos: pos, vt: vt, vtSize: vtSize, objSize: objSize}, nil
}

// field returns the position of field id, which occupies size bytes, or -1 when the field is absent.
func (t table) field(id int, size int64, name string) (int64, error) {
	slot := 4 + 2*int64(id)
	if slot+2 > t.vtSize {
		return -1, nil
	}
	off := int64(t.d.rawU16(t.vt + slot))
	if off == 0 {
		return -1, nil
	}
	if off < 4 || off+size > t.objSize {
		return 0, fmt.Errorf("%s: field at offset %d outside its table at %d (%d bytes)", name, off, t.pos, t.objSize)
	}
	return t.pos + off, nil
}

func (t table) u8(id int, def uint8, name string) (uint8, error) {
	p, err := t.field(id, 1, name)
	if err != nil || p < 0 {
		return def, err
	}
	return t.d.b[p], nil
}

func (t table) i8(id int, def int8, name string) (int8, error) {
	v, err := t.u8(id, uint8(def), name)
	return int8(v), err
}

func (t table) boolean(id int, name string) (bool, error) {
	v, err := t.u8(id, 0, name)
	return v != 0, err
}

func (t table) u32(id int, def uint32, name string) (uint32, error) {
	p, err := t.field(id, 4, name)
	if err != nil || p < 0 {
		return def, err
	}
	return t.d.rawU32(p), nil
}

func (t table) i32(id int, def int32, name string) (int32, error) {
	v, err := t.u32(id, uint32(def), name)
	return int32(v), err
}

func (t table) f32(id int, def float32, name string) (float32, error) {
	v, err := t.u32(id, math.Float32bits(def), name)
	return math.Float32frombits(v), err
}

func (t table) u64(id int, def uint64, name string) (uint64, error) {
	p, err := t.field(id, 8, name)
	if err != nil || p < 0 {
		return def, err
	}
	return t.d.rawU64(p), nil
}

// ref follows the uoffset stored in field id and returns the target position, or -1 when absent.
func (t table) ref(id int, name string) (int64, error) {
	p, err := t.field(id, 4, name)
	if err != nil || p < 0 {
		return -1, err
	}
	target := p + int64(t.d.rawU32(p))
	if target >= t.d.size {
		return 0, fmt.Errorf("%s: offset at %d points past the end of the file (%d bytes)", name, p, t.d.size)
	}
	return target, nil
}

// sub returns the table referenced by field id; ok is false when the field is absent.
func (t table) sub(id int, name string) (sub table, ok bool, err error) {
	pos, err := t.ref(id, name)
	if err != nil || pos < 0 {
		return table{}, false, err
	}
	sub, err = t.d.table(pos)
	if err != nil {
		return table{}, false, fmt.Errorf("%s: %v", name, err)
	}
	return sub, true, nil
}

// vector is a checked flatbuffer vector: n elements of elem bytes starting at start.
type vector struct {
	d     *decoder
	start int64
	n     int
	elem  int64
}

// vec returns the vector in field id with elements of elem bytes; an absent field gives an empty vector.
// It checks that the whole vector lies in the file, so n is bounded by the file size.
func (t table) vec(id int, elem int64, name string) (vector, error) {
	pos, err := t.ref(id, name)
	if err != nil || pos < 0 {
		return vector{d: t.d, elem: elem}, err
	}
	d := t.d
	if !d.inFile(pos, 4) {
		return vector{}, fmt.Errorf("%s: vector length at %d outside the file (%d bytes)", name, pos, d.size)
	}
	n := int64(d.rawU32(pos))
	if n*elem > d.size-(pos+4) {
		return vector{}, fmt.Errorf("%s: vector of %d %d-byte elements at %d runs past the end of the file (%d bytes)", name, n, elem, pos, d.size)
	}
	d.touch(pos + 4 + n*elem)
	return vector{d: d, start: pos + 4, n: int(n), elem: elem}, nil
}

// counted is vec for vectors that will be decoded element by element: it charges the decode budget.
func (t table) counted(id int, elem int64, name string) (vector, error) {
	v, err := t.vec(id, elem, name)
	if err != nil || v.n == 0 {
		return v, err
	}
	if err := t.d.charge(int64(v.n)); err != nil {
		return vector{}, fmt.Errorf("%s: %v", name, err)
	}
	return v, nil
}

// table returns element i of a vector of tables.
func (v vector) table(i int) (table, error) {
	p := v.start + 4*int64(i)
	return v.d.table(p + int64(v.d.rawU32(p)))
}

// bytes returns the ubyte vector in field id, aliasing the file; nil when absent or empty.
func (t table) bytes(id int, name string) ([]byte, error) {
	v, err := t.vec(id, 1, name)
	if err != nil || v.n == 0 {
		return nil, err
	}
	e := v.start + int64(v.n)
	return t.d.b[v.start:e:e], nil
}

// str returns the string in field id ("" when absent). The string is copied and charged to the budget.
func (t table) str(id int, name string) (string, error) {
	v, err := t.counted(id, 1, name)
	if err != nil {
		return "", err
	}
	return string(t.d.b[v.start : v.start+int64(v.n)]), nil
}

// ints returns the int32 vector in field id as ints (nil when absent).
func (t table) ints(id int, name string) ([]int, error) {
	v, err := t.counted(id, 4, name)
	if err != nil || v.n == 0 {
		return nil, err
	}
	out := make([]int, v.n)
	for i := range out {
		out[i] = int(int32(t.d.rawU32(v.start + 4*int64(i))))
	}
	return out, nil
}

// float32s returns the float vector in field id (nil when absent).
func (t table) float32s(id int, name string) ([]float32, error) {
	v, err := t.counted(id, 4, name)
	if err != nil || v.n == 0 {
		return nil, err
	}
	out := make([]float32, v.n)
	for i := range out {
		out[i] = math.Float32frombits(t.d.rawU32(v.start + 4*int64(i)))
	}
	return out, nil
}

// int64s returns the long vector in field id (nil when absent).
func (t table) int64s(id int, name string) ([]int64, error) {
	v, err := t.counted(id, 8, name)
	if err != nil || v.n == 0 {
		return nil, err
	}
	out := make([]int64, v.n)
	for i := range out {
		out[i] = int64(t.d.rawU64(v.start + 8*int64(i)))
	}
	return out, nil
}

// tables returns the vector of tables in field id; elements are read with vector.table.
func (t table) tables(id int, name string) (vector, error) {
	return t.counted(id, 4, name)
}

// outside returns the bytes [off, off+size) of the file for data stored outside the flatbuffer
// (the schema's offset/size pairs for models over 2 GB).
func (d *decoder) outside(off, size uint64, name string) ([]byte, error) {
	if off > math.MaxInt64 || size > math.MaxInt64 || !d.inFile(int64(off), int64(size)) {
		return nil, fmt.Errorf("%s: external data [%d, +%d) outside the file (%d bytes)", name, off, size, d.size)
	}
	e := int64(off) + int64(size)
	d.touch(e)
	return d.b[off:e:e], nil
}
