package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// idxBytes builds an IDX file of unsigned bytes with the given dimensions and data.
func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// TestReadIDXHandBuilt parses a 2-image 2×3 file and a label file written by hand, plain and gzipped.
func TestReadIDXHandBuilt(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, wrap := range []func([]byte) []byte{func(b []byte) []byte { return b }, gz} {
		im, err := ReadIDX(bytes.NewReader(wrap(idxBytes([]int{2, 2, 3}, pix))), "im")
		if err != nil {
			t.Fatal(err)
		}
		lb, err := ReadIDX(bytes.NewReader(wrap(idxBytes([]int{2}, []byte{9, 0}))), "lb")
		if err != nil {
			t.Fatal(err)
		}
		s, err := FromIDX(im, lb, nil, "im", "lb")
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 2 || s.Meta.H != 2 || s.Meta.W != 3 || s.Meta.C != 1 || len(s.Meta.Classes) != 10 {
			t.Fatalf("set %+v", s.Meta)
		}
		px, l := s.Example(1)
		if l != 0 || !bytes.Equal(px, pix[6:]) {
			t.Fatalf("example 1 = %v, %d", px, l)
		}
	}
}

// TestReadIDXErrors checks the one-line errors for malformed files.
func TestReadIDXErrors(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"bad magic", []byte{1, 0, 8, 1, 0, 0, 0, 0}, "not an IDX"},
		{"float type", []byte{0, 0, 0x0d, 1, 0, 0, 0, 0}, "element type 0x0d"},
		{"no dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"five dims", []byte{0, 0, 8, 5}, "5 dimensions"},
		{"short dims", []byte{0, 0, 8, 2, 0, 0, 0, 1}, "too short for its 2"},
		{"truncated data", idxBytes([]int{2, 2}, []byte{1, 2, 3}), "holds 3"},
		{"extra data", idxBytes([]int{1, 2}, []byte{1, 2, 3}), "holds 3 or more"},
		{"huge", idxBytes([]int{65536, 65536, 65536}, nil), "exceed"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "data: x:"},
	}
	for _, c := range cases {
		_, err := ReadIDX(bytes.NewReader(c.data), "x")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line mentioning %q", c.name, err, c.want)
		}
	}
}

// TestFromIDXErrors checks disagreeing headers and labels out of range.
func TestFromIDXErrors(t *testing.T) {
	im := &IDX{Dims: []int{2, 1, 1}, Data: []byte{1, 2}}
	cases := []struct {
		name    string
		im, lb  *IDX
		classes []string
		want    string
	}{
		{"count mismatch", im, &IDX{Dims: []int{3}, Data: []byte{0, 1, 0}}, nil, "holds 2 images but lb holds 3 labels"},
		{"label range", im, &IDX{Dims: []int{2}, Data: []byte{0, 3}}, []string{"a", "b", "c"}, "label 3 of example 1 out of range (3 classes)"},
		{"labels 2-d", im, &IDX{Dims: []int{2, 1}, Data: []byte{0, 1}}, nil, "labels have 2 dimensions"},
		{"images 2-d", &IDX{Dims: []int{2, 1}, Data: []byte{0, 1}}, &IDX{Dims: []int{2}, Data: []byte{0, 1}}, nil, "images have 2 dimensions"},
		{"one class", im, &IDX{Dims: []int{2}, Data: []byte{0, 0}}, []string{"only"}, "at least two"},
	}
	for _, c := range cases {
		_, err := FromIDX(c.im, c.lb, c.classes, "im", "lb")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestFashionMNISTHeaders reads the real Fashion-MNIST test files: 10,000 28×28 images, labels 0..9,
// 1,000 of each class.
func TestFashionMNISTHeaders(t *testing.T) {
	dir := shared.Path(t, "datasets/fashion-mnist")
	s, err := LoadIDX(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10000 || s.Meta.H != 28 || s.Meta.W != 28 || s.Meta.C != 1 {
		t.Fatalf("%d images of %+v", s.Len(), s.Meta)
	}
	for c, n := range ClassCounts(s) {
		if n != 1000 {
			t.Fatalf("class %d has %d examples, want 1000", c, n)
		}
	}
	// Disagreeing files: test images with training labels.
	if _, err := LoadIDX(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "train-labels-idx1-ubyte.gz"), FashionMNIST); err == nil ||
		!strings.Contains(err.Error(), "10000 images but train-labels-idx1-ubyte.gz holds 60000 labels") {
		t.Fatalf("mismatched files: %v", err)
	}
}
