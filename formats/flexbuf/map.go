package flexbuf

import (
	"bytes"
	"fmt"
	"strings"
)

// Map is a FlexBuffers map: n values, each with a string key, the keys sorted bytewise.
type Map struct {
	buf       []byte
	data      int // position of value 0
	width     int // byte width of each value slot
	n         int // number of entries
	keys      int // position of key-vector element 0
	keysWidth int // byte width of each key-vector element
}

// Map returns a MAP value's map. It checks that the element count, the value slots, their
// type bytes and the key vector all lie within the buffer, and that the key vector holds as
// many keys as the map holds values; the keys themselves are checked when they are read.
func (v Value) Map() (Map, error) {
	if v.typ != TypeMap {
		return Map{}, v.typeError("a map")
	}
	data, err := v.target()
	if err != nil {
		return Map{}, err
	}
	w := v.dataWidth
	if data < 3*w {
		return Map{}, fmt.Errorf("flexbuf: map at %d: no room for its %d-byte header before it", data, 3*w)
	}
	n, err := readUint(v.buf, data-w, w)
	if err != nil {
		return Map{}, err
	}
	// The n value slots and n type bytes follow data.
	if n > uint64(len(v.buf)-data)/uint64(w+1) {
		return Map{}, fmt.Errorf("flexbuf: map at %d: %d entries of width %d run past the buffer end (%d)", data, n, w, len(v.buf))
	}
	kw, err := readUint(v.buf, data-2*w, w)
	if err != nil {
		return Map{}, err
	}
	if !(kw == 1 || kw == 2 || kw == 4 || kw == 8) {
		return Map{}, fmt.Errorf("flexbuf: map at %d: key vector byte width %d is not 1, 2, 4 or 8", data, kw)
	}
	keys, err := indirect(v.buf, data-3*w, w)
	if err != nil {
		return Map{}, within(fmt.Sprintf("map at %d: key vector", data), err)
	}
	m := Map{buf: v.buf, data: data, width: w, n: int(n), keys: keys, keysWidth: int(kw)}
	if keys < m.keysWidth {
		return Map{}, fmt.Errorf("flexbuf: map at %d: key vector at %d: no room for its length before it", data, keys)
	}
	kn, err := readUint(v.buf, keys-m.keysWidth, m.keysWidth)
	if err != nil {
		return Map{}, err
	}
	if kn != n {
		return Map{}, fmt.Errorf("flexbuf: map at %d: key vector at %d holds %d keys for %d values", data, keys, kn, n)
	}
	if n > uint64(len(v.buf)-keys)/kw {
		return Map{}, fmt.Errorf("flexbuf: map at %d: key vector at %d: %d keys of width %d run past the buffer end (%d)", data, keys, n, kw, len(v.buf))
	}
	return m, nil
}

// Len returns the number of entries.
func (m Map) Len() int { return m.n }

// Get returns the value stored under key, found by binary search over the sorted keys as
// flexbuffers.h does. The boolean is false, with no error, when the map has no such key.
func (m Map) Get(key string) (Value, bool, error) {
	want := []byte(key)
	lo, hi := 0, m.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		k, err := m.key(mid)
		if err != nil {
			return Value{}, false, err
		}
		switch c := bytes.Compare(k, want); {
		case c == 0:
			return m.value(mid), true, nil
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return Value{}, false, nil
}

// Keys returns the keys in stored order.
func (m Map) Keys() ([]string, error) {
	out := make([]string, m.n)
	for i := range out {
		k, err := m.key(i)
		if err != nil {
			return nil, err
		}
		out[i] = string(k)
	}
	return out, nil
}

// At returns entry i (0 ≤ i < Len) in stored order: its key and its value.
func (m Map) At(i int) (string, Value, error) {
	if i < 0 || i >= m.n {
		return "", Value{}, fmt.Errorf("flexbuf: map at %d: entry %d out of range (%d entries)", m.data, i, m.n)
	}
	k, err := m.key(i)
	if err != nil {
		return "", Value{}, err
	}
	return string(k), m.value(i), nil
}

// key reads key i, following its backward offset to a NUL-terminated string.
func (m Map) key(i int) ([]byte, error) {
	p, err := indirect(m.buf, m.keys+i*m.keysWidth, m.keysWidth)
	if err != nil {
		return nil, within(fmt.Sprintf("map at %d: key %d", m.data, i), err)
	}
	k, err := cString(m.buf, p)
	if err != nil {
		return nil, within(fmt.Sprintf("map at %d: key %d", m.data, i), err)
	}
	return k, nil
}

// value returns value i; Map checked that its slot and type byte lie within the buffer.
func (m Map) value(i int) Value {
	return newValue(m.buf, m.data+i*m.width, m.width, m.buf[m.data+m.n*m.width+i])
}

// within puts ctx after the package prefix of err's message.
func within(ctx string, err error) error {
	return fmt.Errorf("flexbuf: %s: %s", ctx, strings.TrimPrefix(err.Error(), "flexbuf: "))
}
