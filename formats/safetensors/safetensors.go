// Package safetensors reads and writes the safetensors format (Hugging Face): an 8-byte little-endian
// unsigned header length N, N bytes of UTF-8 JSON, then the tensor data. The header maps each tensor
// name to {"dtype", "shape", "data_offsets": [begin, end]}, offsets counted from the start of the data
// and end exclusive; the optional key "__metadata__" maps strings to strings. Tensors are row-major and
// little-endian; the data must be covered exactly by the tensors, without holes or overlaps; the header
// starts with '{' and may be padded with spaces.
//
// The reader checks every length, offset and shape product against the file before it allocates, and
// refuses duplicate names.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// MaxHeader bounds the JSON header (100 MB, as the reference implementation does).
const MaxHeader = 100 << 20

// dtypeSizes gives the element size, in bytes, of each dtype name.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Tensor is one named tensor: its dtype name ("F32", "I64", ...), shape and raw little-endian bytes.
type Tensor struct {
	Name  string
	DType string
	Shape []int
	Data  []byte
}

// File is the content of a safetensors file: its tensors in the order of their data, and its metadata.
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Get returns the tensor with the given name, or nil.
func (f *File) Get(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

// FromFloat32 returns an F32 tensor holding data with the given shape.
func FromFloat32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: "F32", Shape: append([]int(nil), shape...), Data: b}
}

// Float32 returns the values of an F32 tensor.
func (t *Tensor) Float32() ([]float32, error) {
	if t.DType != "F32" {
		return nil, fmt.Errorf("safetensors: tensor %q is %s, want F32", t.Name, t.DType)
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// elems returns the number of elements and bytes of a shape of the given dtype, or an error when a
// dimension is negative or the size overflows limit bytes.
func elems(dtype string, shape []int, limit int64) (int64, error) {
	size, ok := dtypeSizes[dtype]
	if !ok {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > limit/int64(d) {
			return 0, fmt.Errorf("shape %v is larger than the file", shape)
		}
		n *= int64(d)
	}
	if n > limit/int64(size) {
		return 0, fmt.Errorf("shape %v is larger than the file", shape)
	}
	return n * int64(size), nil
}

// Write writes tensors (their data laid out in the given order) and metadata (nil for none) in the
// safetensors format, the header padded with spaces to a multiple of 8 bytes.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			h.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		h.Write(kb)
		h.WriteByte(':')
	}
	if metadata != nil {
		key("__metadata__")
		mb, err := json.Marshal(metadata)
		if err != nil {
			return fmt.Errorf("safetensors: metadata: %v", err)
		}
		h.Write(mb)
	}
	seen := map[string]bool{}
	var off int64
	for _, t := range tensors {
		if t.Name == "__metadata__" || seen[t.Name] {
			return fmt.Errorf("safetensors: tensor name %q is reserved or repeated", t.Name)
		}
		seen[t.Name] = true
		n, err := elems(t.DType, t.Shape, math.MaxInt64/2)
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
		}
		if n != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: tensor %q: %d bytes for %s %v (%d bytes)", t.Name, len(t.Data), t.DType, t.Shape, n)
		}
		key(t.Name)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		eb, _ := json.Marshal(struct {
			DType   string  `json:"dtype"`
			Shape   []int   `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}{t.DType, shape, []int64{off, off + n}})
		h.Write(eb)
		off += n
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(h.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// entry is a tensor's description in the header.
type entry struct {
	DType   string  `json:"dtype"`
	Shape   []int   `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// Read parses a whole safetensors file held in data. The tensors' Data share memory with data.
func Read(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: file of %d bytes is shorter than the 8-byte header length", len(data))
	}
	hn := binary.LittleEndian.Uint64(data)
	if hn > MaxHeader {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", hn, MaxHeader)
	}
	if hn > uint64(len(data)-8) {
		return nil, fmt.Errorf("safetensors: header length %d runs past the end of the %d-byte file", hn, len(data))
	}
	header := data[8 : 8+hn]
	buf := data[8+hn:]
	if len(header) == 0 || header[0] != '{' {
		return nil, fmt.Errorf("safetensors: header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header: %v", err)
	}
	f := &File{}
	seen := map[string]bool{}
	var ents []entry
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors: header: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("safetensors: header: key %v is not a string", tok)
		}
		if seen[name] {
			return nil, fmt.Errorf("safetensors: header: key %q repeated", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			if err := dec.Decode(&f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: header: __metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e entry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("safetensors: header: tensor %q: %v", name, err)
		}
		ents = append(ents, e)
		names = append(names, name)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header: %v", err)
	}
	if rest := strings.TrimRight(string(header[dec.InputOffset():]), " \t\r\n"); rest != "" {
		return nil, fmt.Errorf("safetensors: header: %d bytes after the JSON object", len(rest))
	}
	limit := int64(len(buf))
	for i, e := range ents {
		n, err := elems(e.DType, e.Shape, limit)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", names[i], err)
		}
		if len(e.Offsets) != 2 {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets has %d values, want 2", names[i], len(e.Offsets))
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > limit {
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] outside the %d bytes of data", names[i], b, end, limit)
		}
		if end-b != n {
			return nil, fmt.Errorf("safetensors: tensor %q: %s %v needs %d bytes, data_offsets give %d", names[i], e.DType, e.Shape, n, end-b)
		}
		f.Tensors = append(f.Tensors, Tensor{Name: names[i], DType: e.DType, Shape: e.Shape, Data: buf[b:end:end]})
	}
	order := make([]int, len(ents))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ents[order[a]].Offsets[0] < ents[order[b]].Offsets[0] })
	var at int64
	sorted := make([]Tensor, len(order))
	for k, i := range order {
		if ents[i].Offsets[0] != at {
			return nil, fmt.Errorf("safetensors: tensor %q starts at byte %d of the data, want %d (holes and overlaps are not allowed)", names[i], ents[i].Offsets[0], at)
		}
		at = ents[i].Offsets[1]
		sorted[k] = f.Tensors[i]
	}
	if at != limit {
		return nil, fmt.Errorf("safetensors: the tensors cover %d of the %d bytes of data", at, limit)
	}
	f.Tensors = sorted
	return f, nil
}

// ReadFile reads and parses the safetensors file at path, refusing files larger than maxBytes
// (≤ 0: no limit besides memory).
func ReadFile(path string, maxBytes int64) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %v", err)
	}
	if maxBytes > 0 && st.Size() > maxBytes {
		return nil, fmt.Errorf("safetensors: %s: %d bytes exceeds the %d-byte limit", path, st.Size(), maxBytes)
	}
	data, err := io.ReadAll(fh)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %v", path, err)
	}
	f, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, path)
	}
	return f, nil
}
