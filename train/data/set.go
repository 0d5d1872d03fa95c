package data

import (
	"fmt"
	"math/rand/v2"
)

// Info describes the examples of a dataset: images of H×W×C bytes and the names of the classes their
// labels index.
type Info struct {
	H, W, C int
	Classes []string
}

// Dataset is a list of labelled images.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Example returns the pixels (H·W·C bytes, HWC) and label of example i; the pixels must not be
	// modified.
	Example(i int) ([]uint8, int)
	// Info describes the examples.
	Info() Info
}

// Set is a dataset held in memory.
type Set struct {
	Meta   Info
	Pixels []uint8 // Len()·H·W·C bytes
	Labels []int
}

// Len implements Dataset.
func (s *Set) Len() int { return len(s.Labels) }

// Example implements Dataset.
func (s *Set) Example(i int) ([]uint8, int) {
	n := s.Meta.H * s.Meta.W * s.Meta.C
	return s.Pixels[i*n : (i+1)*n], s.Labels[i]
}

// Info implements Dataset.
func (s *Set) Info() Info { return s.Meta }

// check returns an error unless the set's sizes and labels agree.
func (s *Set) check(what string) error {
	m := s.Meta
	if m.H < 1 || m.W < 1 || m.C < 1 {
		return fmt.Errorf("data: %s: image size %d×%d×%d is not positive", what, m.H, m.W, m.C)
	}
	if len(m.Classes) < 2 {
		return fmt.Errorf("data: %s: %d classes; training needs at least two", what, len(m.Classes))
	}
	if len(s.Pixels) != len(s.Labels)*m.H*m.W*m.C {
		return fmt.Errorf("data: %s: %d bytes of pixels for %d images of %d×%d×%d", what, len(s.Pixels), len(s.Labels), m.H, m.W, m.C)
	}
	for i, l := range s.Labels {
		if l < 0 || l >= len(m.Classes) {
			return fmt.Errorf("data: %s: label %d of example %d out of range (%d classes)", what, l, i, len(m.Classes))
		}
	}
	return nil
}

// view is a dataset made of some examples of another, in a given order.
type view struct {
	ds  Dataset
	idx []int
}

func (v *view) Len() int                     { return len(v.idx) }
func (v *view) Example(i int) ([]uint8, int) { return v.ds.Example(v.idx[i]) }
func (v *view) Info() Info                   { return v.ds.Info() }

// Subset returns the examples of ds at the given indices, in that order, without copying them. The
// indices must lie in [0, ds.Len()).
func Subset(ds Dataset, idx []int) (Dataset, error) {
	for _, i := range idx {
		if i < 0 || i >= ds.Len() {
			return nil, fmt.Errorf("data: index %d out of range (%d examples)", i, ds.Len())
		}
	}
	return &view{ds: ds, idx: append([]int(nil), idx...)}, nil
}

// Permutation returns a permutation of [0, n) drawn from seed (the same seed gives the same order).
func Permutation(n int, seed uint64, stream uint64) []int {
	return rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15)).Perm(n)
}

// Split divides ds at random (from seed) into a training part and a validation part holding the
// fraction val of the examples (at least one, and at least one left for training).
func Split(ds Dataset, val float64, seed uint64) (train, valid Dataset, err error) {
	n := ds.Len()
	if !(val > 0 && val < 1) {
		return nil, nil, fmt.Errorf("data: validation fraction %g out of range (0, 1)", val)
	}
	k := int(float64(n)*val + 0.5)
	if k < 1 || k >= n {
		return nil, nil, fmt.Errorf("data: a validation fraction %g of %d examples leaves an empty part", val, n)
	}
	p := Permutation(n, seed, 1)
	valid, _ = Subset(ds, p[:k])
	train, _ = Subset(ds, p[k:])
	return train, valid, nil
}

// Limit returns n examples of ds chosen at random (from seed), or ds itself when it has no more than n.
func Limit(ds Dataset, n int, seed uint64) Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	p := Permutation(ds.Len(), seed, 2)[:n]
	v, _ := Subset(ds, p)
	return v
}

// ClassCounts returns the number of examples of each class.
func ClassCounts(ds Dataset) []int {
	counts := make([]int, len(ds.Info().Classes))
	for i := 0; i < ds.Len(); i++ {
		_, l := ds.Example(i)
		counts[l]++
	}
	return counts
}
