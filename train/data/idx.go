package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// MaxIDXBytes bounds the data an IDX file may declare (1 GiB), so that a hostile header is refused
// before anything is allocated.
const MaxIDXBytes = 1 << 30

// FashionMNIST lists the class names of Fashion-MNIST in label order.
var FashionMNIST = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// IDX is the content of an IDX file of unsigned bytes (type 0x08): its dimensions and data.
type IDX struct {
	Dims []int
	Data []uint8
}

// ReadIDX reads an IDX file of unsigned bytes from r, gzip-compressed or not (recognised by its magic
// bytes). The header is checked first: two zero bytes, type 0x08, 1 to 4 dimensions whose product is at
// most MaxIDXBytes; then the data must be exactly that long. name labels the errors.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: %s: %v", name, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, fmt.Errorf("data: %s: file too short for an IDX header", name)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("data: %s: not an IDX file (magic %02x %02x %02x %02x)", name, head[0], head[1], head[2], head[3])
	}
	if head[2] != 0x08 {
		return nil, fmt.Errorf("data: %s: IDX element type 0x%02x, want 0x08 (unsigned bytes)", name, head[2])
	}
	nd := int(head[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("data: %s: IDX header declares %d dimensions, want 1 to 4", name, nd)
	}
	dims := make([]int, nd)
	size := int64(1)
	for i := range dims {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("data: %s: file too short for its %d dimensions", name, nd)
		}
		dims[i] = int(d)
		if size *= int64(d); size > MaxIDXBytes {
			return nil, fmt.Errorf("data: %s: IDX dimensions %v exceed %d bytes", name, dims[:i+1], MaxIDXBytes)
		}
	}
	var buf bytes.Buffer // grown as data arrives, not from the header's claim
	got, err := io.Copy(&buf, io.LimitReader(br, size+1))
	if err != nil {
		return nil, fmt.Errorf("data: %s: %v", name, err)
	}
	if got != size {
		more := ""
		if got > size {
			more = " or more"
		}
		return nil, fmt.Errorf("data: %s: header declares %v = %d bytes of data, the file holds %d%s", name, dims, size, got, more)
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

// readIDXFile reads an IDX file from disk.
func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	defer f.Close()
	return ReadIDX(f, filepath.Base(path))
}

// LoadIDX reads a pair of IDX files, images (N×H×W, or N×H×W×C) and labels (N), into a set with the
// given class names (nil means the ten digits "0"…"9"). The two headers must agree on N and every
// label must index a class.
func LoadIDX(images, labels string, classes []string) (*Set, error) {
	im, err := readIDXFile(images)
	if err != nil {
		return nil, err
	}
	lb, err := readIDXFile(labels)
	if err != nil {
		return nil, err
	}
	return FromIDX(im, lb, classes, filepath.Base(images), filepath.Base(labels))
}

// FromIDX makes a set from IDX images and labels already read; names label the errors.
func FromIDX(im, lb *IDX, classes []string, imName, lbName string) (*Set, error) {
	if len(im.Dims) != 3 && len(im.Dims) != 4 {
		return nil, fmt.Errorf("data: %s: images have %d dimensions, want 3 (N×H×W) or 4 (N×H×W×C)", imName, len(im.Dims))
	}
	if len(lb.Dims) != 1 {
		return nil, fmt.Errorf("data: %s: labels have %d dimensions, want 1", lbName, len(lb.Dims))
	}
	if im.Dims[0] != lb.Dims[0] {
		return nil, fmt.Errorf("data: %s holds %d images but %s holds %d labels", imName, im.Dims[0], lbName, lb.Dims[0])
	}
	if classes == nil {
		classes = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	}
	c := 1
	if len(im.Dims) == 4 {
		c = im.Dims[3]
	}
	s := &Set{Meta: Info{H: im.Dims[1], W: im.Dims[2], C: c, Classes: append([]string(nil), classes...)},
		Pixels: im.Data, Labels: make([]int, len(lb.Data))}
	for i, l := range lb.Data {
		if int(l) >= len(classes) {
			return nil, fmt.Errorf("data: %s: label %d of example %d out of range (%d classes)", lbName, l, i, len(classes))
		}
		s.Labels[i] = int(l)
	}
	if err := s.check(imName); err != nil {
		return nil, err
	}
	return s, nil
}
