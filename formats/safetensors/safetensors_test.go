package safetensors

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header string and data bytes.
func file(header string, data []byte) []byte {
	var b bytes.Buffer
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	b.Write(n[:])
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// TestReadHandBuilt parses a file written by hand: a 2×2 F32 tensor [1 2 3 4] and a U8 scalar 7, in
// reverse order of names, with metadata and space padding.
func TestReadHandBuilt(t *testing.T) {
	data := []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 7}
	h := `{"z":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"},"a":{"dtype":"U8","shape":[],"data_offsets":[16,17]}}   `
	f, err := Read(file(h, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || len(f.Tensors) != 2 || f.Tensors[0].Name != "z" || f.Tensors[1].Name != "a" {
		t.Fatalf("got %+v", f)
	}
	v, err := f.Get("z").Float32()
	if err != nil || len(v) != 4 || v[0] != 1 || v[1] != 2 || v[2] != 3 || v[3] != 4 {
		t.Fatalf("z = %v, %v", v, err)
	}
	if a := f.Get("a"); len(a.Shape) != 0 || a.Data[0] != 7 {
		t.Fatalf("a = %+v", a)
	}
	if _, err := f.Get("a").Float32(); err == nil {
		t.Fatal("a U8 tensor read as F32")
	}
}

// TestRoundTrip writes and reads back tensors and metadata; the header is padded to 8 bytes.
func TestRoundTrip(t *testing.T) {
	ts := []Tensor{
		FromFloat32("conv/weights", []int{2, 1, 1, 3}, []float32{1, -2, 3.5, 0, 1e-30, -0.25}),
		FromFloat32("empty", []int{0, 4}, nil),
		{Name: "step", DType: "I64", Shape: []int{1}, Data: []byte{42, 0, 0, 0, 0, 0, 0, 0}},
	}
	var b bytes.Buffer
	meta := map[string]string{"epoch": "3", "labels": `["a","b"]`}
	if err := Write(&b, ts, meta); err != nil {
		t.Fatal(err)
	}
	if hn := binary.LittleEndian.Uint64(b.Bytes()); hn%8 != 0 {
		t.Fatalf("header length %d is not a multiple of 8", hn)
	}
	f, err := Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["epoch"] != "3" || f.Metadata["labels"] != `["a","b"]` || len(f.Tensors) != 3 {
		t.Fatalf("got %+v", f)
	}
	for i, want := range ts {
		got := f.Tensors[i]
		if got.Name != want.Name || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || len(got.Shape) != len(want.Shape) {
			t.Fatalf("tensor %d: got %+v, want %+v", i, got, want)
		}
	}
}

// TestWriteErrors checks that inconsistent tensors are refused.
func TestWriteErrors(t *testing.T) {
	bad := [][]Tensor{
		{{Name: "a", DType: "F32", Shape: []int{2}, Data: make([]byte, 4)}},
		{{Name: "a", DType: "Q4", Shape: []int{1}, Data: make([]byte, 1)}},
		{FromFloat32("a", []int{1}, []float32{1}), FromFloat32("a", []int{1}, []float32{2})},
		{FromFloat32("__metadata__", []int{1}, []float32{1})},
	}
	for _, ts := range bad {
		if err := Write(&bytes.Buffer{}, ts, nil); err == nil {
			t.Errorf("%+v written", ts)
		}
	}
}

// TestReadErrors checks that malformed files are refused with a message, never a panic.
func TestReadErrors(t *testing.T) {
	four := make([]byte, 4)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "shorter"},
		{"header past end", file(`{}`, nil)[:9], "past the end"},
		{"huge header", append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, make([]byte, 8)...), "limit"},
		{"not an object", file(`[1]`, nil), "'{'"},
		{"bad json", file(`{"a":`, nil), "header"},
		{"trailing", file(`{} x`, nil), "after the JSON"},
		{"repeated", file(`{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{1}), "repeated"},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, nil), "strings"},
		{"unknown dtype", file(`{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}`, four), "dtype"},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four), "negative"},
		{"huge shape", file(`{"a":{"dtype":"F32","shape":[1000000,1000000,1000000],"data_offsets":[0,4]}}`, four), "larger"},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 8)), "needs 8 bytes"},
		{"offsets outside", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, four), "outside"},
		{"reversed offsets", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[3,2]}}`, four), "outside"},
		{"one offset", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0]}}`, nil), "2"},
		{"hole", file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, four), "holes"},
		{"overlap", file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, four[:3]), "holes"},
		{"uncovered tail", file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, four), "cover 2 of the 4"},
	}
	for _, c := range cases {
		_, err := Read(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// FuzzRead feeds arbitrary bytes to Read: it must not panic, and whatever it accepts must survive a
// write and a second read unchanged.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, []Tensor{FromFloat32("w", []int{2}, []float32{1, 2}), {Name: "u", DType: "U8", Shape: []int{3}, Data: []byte{1, 2, 3}}}, map[string]string{"k": "v"})
	f.Add(b.Bytes())
	f.Add(file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, []byte{1, 2}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Read(data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("an accepted file does not write back: %v", err)
		}
		again, err := Read(out.Bytes())
		if err != nil {
			t.Fatalf("a rewritten file does not read back: %v", err)
		}
		if len(again.Tensors) != len(got.Tensors) {
			t.Fatalf("%d tensors, then %d", len(got.Tensors), len(again.Tensors))
		}
		for i := range got.Tensors {
			if got.Tensors[i].Name != again.Tensors[i].Name || !bytes.Equal(got.Tensors[i].Data, again.Tensors[i].Data) {
				t.Fatalf("tensor %d changed", i)
			}
		}
	})
}
