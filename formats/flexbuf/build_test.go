package flexbuf

import (
	"math"
	"math/bits"
	"sort"
)

// This file lays out FlexBuffers by hand for the tests, in the order the flexbuffers builder
// writes them (key strings, indirect data, key vector, map, root), so the reader is checked
// against byte layouts built independently of it.

// item is one value to lay out: a type, a byte width and its bits. For inline types the
// bits are stored in the slot; for INDIRECT_ types they are stored as data of width w
// that the slot points to; for STRING and KEY, text is stored instead.
type item struct {
	typ  Type
	w    int
	bits uint64
	text string
}

func intItem(w int, x int64) item          { return item{typ: TypeInt, w: w, bits: uint64(x)} }
func uintItem(w int, x uint64) item        { return item{typ: TypeUint, w: w, bits: x} }
func boolItem(x bool) item                 { return item{typ: TypeBool, w: 1, bits: b2u(x)} }
func f32Item(x float32) item               { return item{typ: TypeFloat, w: 4, bits: uint64(math.Float32bits(x))} }
func f64Item(x float64) item               { return item{typ: TypeFloat, w: 8, bits: math.Float64bits(x)} }
func indItem(t Type, w int, b uint64) item { return item{typ: t, w: w, bits: b} }
func strItem(s string) item                { return item{typ: TypeString, w: 1, text: s} }
func keyItem(s string) item                { return item{typ: TypeKey, w: 1, text: s} }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// writer appends little-endian fields to a growing buffer.
type writer struct{ b []byte }

func (w *writer) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *writer) uint(x uint64, n int) {
	for i := 0; i < n; i++ {
		w.b = append(w.b, byte(x>>(8*i)))
	}
}

// data writes the out-of-line part of an offset item and returns its position.
func (w *writer) data(it item) int {
	switch it.typ {
	case TypeString:
		w.uint(uint64(len(it.text)), 1)
		p := len(w.b)
		w.b = append(append(w.b, it.text...), 0)
		return p
	case TypeKey:
		p := len(w.b)
		w.b = append(append(w.b, it.text...), 0)
		return p
	}
	w.align(it.w)
	p := len(w.b)
	w.uint(it.bits, it.w)
	return p
}

// slot writes an item's slot of width sw at the current position, given the position of
// its out-of-line data (ignored for inline types).
func (w *writer) slot(it item, sw, target int) {
	switch {
	case it.typ == TypeFloat && it.w == 4 && sw == 8:
		// A float in a wider slot is stored at the slot's width, as the builder does.
		w.uint(math.Float64bits(float64(math.Float32frombits(uint32(it.bits)))), sw)
		return
	case it.typ.inline():
		w.uint(it.bits, sw)
		return
	}
	w.uint(uint64(len(w.b)-target), sw)
}

// packed returns an item's packed type byte.
func packed(it item) byte {
	return byte(it.typ)<<2 | byte(bits.TrailingZeros(uint(it.w)))
}

// scalarRoot lays out a buffer whose root is it, with a root slot of width rw.
func scalarRoot(it item, rw int) []byte {
	var w writer
	target := 0
	if !it.typ.inline() {
		target = w.data(it)
	}
	w.align(rw)
	w.slot(it, rw, target)
	w.b = append(w.b, packed(it), byte(rw))
	return w.b
}

// mapRoot lays out a map of the given entries with value width vw (widened to fit the
// widest inline value, as the builder does) and key-vector width kw.
func mapRoot(entries map[string]item, vw, kw int) []byte {
	keys := make([]string, 0, len(entries))
	for k, it := range entries {
		keys = append(keys, k)
		if it.typ.inline() {
			vw = max(vw, it.w)
		}
	}
	sort.Strings(keys)
	var w writer
	keyPos := make([]int, len(keys))
	for i, k := range keys {
		keyPos[i] = len(w.b)
		w.b = append(append(w.b, k...), 0)
	}
	targets := make([]int, len(keys))
	for i, k := range keys {
		if it := entries[k]; !it.typ.inline() {
			targets[i] = w.data(it)
		}
	}
	w.align(kw)
	w.uint(uint64(len(keys)), kw)
	kv := len(w.b)
	for i := range keys {
		w.uint(uint64(len(w.b)-keyPos[i]), kw)
	}
	w.align(vw)
	w.uint(uint64(len(w.b)-kv), vw)
	w.uint(uint64(kw), vw)
	w.uint(uint64(len(keys)), vw)
	data := len(w.b)
	for i, k := range keys {
		w.slot(entries[k], vw, targets[i])
	}
	for _, k := range keys {
		w.b = append(w.b, packed(entries[k]))
	}
	w.align(vw)
	w.uint(uint64(len(w.b)-data), vw)
	w.b = append(w.b, byte(TypeMap)<<2|byte(bits.TrailingZeros(uint(vw))), byte(vw))
	return w.b
}
