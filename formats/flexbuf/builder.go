package flexbuf

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
)

// MapBuilder writes a FlexBuffer whose root is a map of scalars: what a TFLite custom operator's
// options hold (TFLite_Detection_PostProcess). Add entries with Int, Uint, Float and Bool, then call
// Bytes. The layout is the one flexbuffers.h's Builder produces for such a map: the NUL-terminated
// keys, the sorted key vector, the map (key-vector offset, key-vector width, count, value slots, packed
// types) and the root; every vector is aligned to its element width, and each width is the smallest of
// 1, 2, 4 and 8 bytes that holds every value and offset it must.
type MapBuilder struct {
	entries []builderEntry
}

type builderEntry struct {
	key  string
	typ  Type
	bits uint64 // the value: an int64, a uint64, float64 bits or 0/1
}

// Int adds an INT entry.
func (b *MapBuilder) Int(key string, v int64) { b.add(key, TypeInt, uint64(v)) }

// Uint adds a UINT entry.
func (b *MapBuilder) Uint(key string, v uint64) { b.add(key, TypeUint, v) }

// Float adds a FLOAT entry, stored in 4 bytes when v is exactly a float32 and in 8 otherwise.
func (b *MapBuilder) Float(key string, v float64) { b.add(key, TypeFloat, math.Float64bits(v)) }

// Bool adds a BOOL entry.
func (b *MapBuilder) Bool(key string, v bool) {
	var u uint64
	if v {
		u = 1
	}
	b.add(key, TypeBool, u)
}

func (b *MapBuilder) add(key string, t Type, bits uint64) {
	b.entries = append(b.entries, builderEntry{key: key, typ: t, bits: bits})
}

// minWidth returns the smallest byte width that holds the entry's value.
func (e builderEntry) minWidth() int {
	switch e.typ {
	case TypeInt:
		x := int64(e.bits)
		for _, w := range []int{1, 2, 4} {
			lim := int64(1) << (8*w - 1)
			if x >= -lim && x < lim {
				return w
			}
		}
		return 8
	case TypeUint:
		return uintWidth(e.bits)
	case TypeFloat:
		f := math.Float64frombits(e.bits)
		if float64(float32(f)) == f || math.IsNaN(f) {
			return 4
		}
		return 8
	}
	return 1
}

// uintWidth returns the smallest byte width that holds u.
func uintWidth(u uint64) int {
	switch {
	case u < 1<<8:
		return 1
	case u < 1<<16:
		return 2
	case u < 1<<32:
		return 4
	}
	return 8
}

func log2Width(w int) byte {
	switch w {
	case 1:
		return 0
	case 2:
		return 1
	case 4:
		return 2
	}
	return 3
}

// Bytes returns the FlexBuffer. A key holding a NUL byte or added twice is an error.
func (b *MapBuilder) Bytes() ([]byte, error) {
	es := slices.Clone(b.entries)
	slices.SortStableFunc(es, func(x, y builderEntry) int { return strings.Compare(x.key, y.key) })
	valueWidth := 1
	for i, e := range es {
		if strings.IndexByte(e.key, 0) >= 0 {
			return nil, fmt.Errorf("flexbuf: key %q holds a NUL byte", e.key)
		}
		if i > 0 && es[i-1].key == e.key {
			return nil, fmt.Errorf("flexbuf: key %q added twice", e.key)
		}
		valueWidth = max(valueWidth, e.minWidth())
	}
	// Offsets grow with the widths; try the widths from the smallest until every offset fits.
	for _, w := range []int{1, 2, 4, 8} {
		if w < valueWidth {
			continue
		}
		for _, kw := range []int{1, 2, 4, 8} {
			if out, ok := layoutMap(es, w, kw); ok {
				return out, nil
			}
		}
	}
	return nil, fmt.Errorf("flexbuf: map of %d entries does not fit 8-byte offsets", len(es))
}

// layoutMap lays the sorted entries out with value width w and key-vector width kw; ok is false when
// an offset does not fit its width.
func layoutMap(es []builderEntry, w, kw int) (out []byte, ok bool) {
	var buf bytes.Buffer
	keyPos := make([]int, len(es))
	for i, e := range es {
		keyPos[i] = buf.Len()
		buf.WriteString(e.key)
		buf.WriteByte(0)
	}
	pad := func(n int) {
		for buf.Len()%n != 0 {
			buf.WriteByte(0)
		}
	}
	fits := func(u uint64, width int) bool { return width == 8 || u < 1<<(8*width) }
	put := func(u uint64, width int) {
		for i := 0; i < width; i++ {
			buf.WriteByte(byte(u >> (8 * i)))
		}
	}
	// The key vector: its count, then one backward offset per key.
	pad(kw)
	put(uint64(len(es)), kw)
	keys := buf.Len()
	for i := range es {
		off := uint64(buf.Len() - keyPos[i])
		if !fits(off, kw) {
			return nil, false
		}
		put(off, kw)
	}
	// The map: key-vector offset, key-vector width and count before the data.
	pad(w)
	off := uint64(buf.Len() - keys)
	if !fits(off, w) || !fits(uint64(len(es)), w) {
		return nil, false
	}
	put(off, w)
	put(uint64(kw), w)
	put(uint64(len(es)), w)
	data := buf.Len()
	for _, e := range es {
		bits := e.bits
		if e.typ == TypeFloat && w == 4 {
			bits = uint64(math.Float32bits(float32(math.Float64frombits(bits))))
		}
		put(bits, w)
	}
	for _, e := range es {
		buf.WriteByte(byte(e.typ)<<2 | log2Width(e.minWidth()))
	}
	// The root: a backward offset to the map, the map's packed type and the root's width.
	rootOff := uint64(buf.Len() - data)
	rw := uintWidth(rootOff + 8) // the padding below may add up to 7 bytes
	pad(rw)
	put(uint64(buf.Len()-data), rw)
	buf.WriteByte(byte(TypeMap)<<2 | log2Width(w))
	buf.WriteByte(byte(rw))
	return buf.Bytes(), true
}
