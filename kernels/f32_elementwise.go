package kernels

// Binary is a broadcasting elementwise op (a + b or a·b, then a clamp to [Lo, Hi]) compiled for fixed
// shapes. Its reference twins are ref.Add and ref.Mul followed by ref.Clamp, which find every operand's
// element by dividing the output index along each axis. Binary cuts the output instead into rows: the
// longest run of innermost axes along which each operand is either contiguous or constant (a residual
// connection is one row; a squeeze-and-excite gate [N,1,1,C] against [N,H,W,C] gives rows of C, the gate
// contiguous in each), and runs one tight loop per row from precomputed row offsets.
type Binary struct {
	mul          bool
	lo, hi       float32
	clamp        bool
	row          int   // elements per row
	aStep, bStep int   // 1 where the operand is contiguous along a row, 0 where it is constant
	aOff, bOff   []int // the operands' offsets at the start of each row
	n            int   // output elements
}

// NewBinary compiles a + b (mul false) or a·b (mul true) for operands of shapes as and bs broadcast to os
// (which must be their broadcast shape), clamped to [lo, hi] when clamp is set.
func NewBinary(mul bool, as, bs, os []int, clamp bool, lo, hi float32) *Binary {
	r := len(os)
	dimA, dimB := alignDims(as, r), alignDims(bs, r)
	// Walk the axes from the innermost out while each operand keeps one class: full along the axis
	// (contiguous so far) or 1 there (constant so far). Axes of size 1 in the output fit either.
	classA, classB := -1, -1 // -1 undecided, 1 contiguous, 0 constant
	split, row := r, 1
	for ax := r - 1; ax >= 0; ax-- {
		if os[ax] == 1 {
			split = ax
			continue
		}
		ca, cb := boolInt(dimA[ax] != 1), boolInt(dimB[ax] != 1)
		if (classA >= 0 && ca != classA) || (classB >= 0 && cb != classB) {
			break
		}
		classA, classB = ca, cb
		split, row = ax, row*os[ax]
	}
	k := &Binary{mul: mul, lo: lo, hi: hi, clamp: clamp, row: row, aStep: max(classA, 0), bStep: max(classB, 0)}
	k.n = 1
	for _, d := range os {
		k.n *= d
	}
	rows := 0
	if row > 0 {
		rows = k.n / row
	}
	stA, stB := rowStrides(dimA), rowStrides(dimB)
	k.aOff, k.bOff = make([]int, rows), make([]int, rows)
	idx := make([]int, split)
	for q := range rows {
		oa, ob := 0, 0
		for ax := range split {
			oa += idx[ax] * stA[ax]
			ob += idx[ax] * stB[ax]
		}
		k.aOff[q], k.bOff[q] = oa, ob
		for ax := split - 1; ax >= 0; ax-- { // the next row's index over the outer axes
			if idx[ax]++; idx[ax] < os[ax] {
				break
			}
			idx[ax] = 0
		}
	}
	return k
}

// alignDims returns s padded on the left with 1s to rank r.
func alignDims(s []int, r int) []int {
	d := make([]int, r)
	for i := range d {
		d[i] = 1
	}
	copy(d[r-len(s):], s)
	return d
}

// rowStrides returns the row-major strides of an array of dims d, 0 along the axes of size 1 (broadcast).
func rowStrides(d []int) []int {
	st := make([]int, len(d))
	step := 1
	for ax := len(d) - 1; ax >= 0; ax-- {
		if d[ax] != 1 {
			st[ax] = step
		}
		step *= d[ax]
	}
	return st
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Run computes out from a and b, which have the shapes NewBinary was given.
func (k *Binary) Run(a, b, out []float32) {
	out = out[:k.n]
	for q := range k.aOff {
		y := out[q*k.row : (q+1)*k.row]
		pa, pb := a[k.aOff[q]:], b[k.bOff[q]:]
		switch {
		case k.aStep == 1 && k.bStep == 1:
			pa, pb = pa[:len(y)], pb[:len(y)]
			if k.mul {
				for i := range y {
					y[i] = pa[i] * pb[i]
				}
			} else {
				for i := range y {
					y[i] = pa[i] + pb[i]
				}
			}
		case k.aStep == 1:
			pa = pa[:len(y)]
			s := pb[0]
			if k.mul {
				for i := range y {
					y[i] = pa[i] * s
				}
			} else {
				for i := range y {
					y[i] = pa[i] + s
				}
			}
		case k.bStep == 1:
			pb = pb[:len(y)]
			s := pa[0]
			if k.mul {
				for i := range y {
					y[i] = s * pb[i]
				}
			} else {
				for i := range y {
					y[i] = s + pb[i]
				}
			}
		default:
			v := pa[0] + pb[0]
			if k.mul {
				v = pa[0] * pb[0]
			}
			for i := range y {
				y[i] = v
			}
		}
		if k.clamp {
			for i, v := range y { // as ref.Clamp: NaN and −0 pass unchanged
				if v < k.lo {
					y[i] = k.lo
				} else if v > k.hi {
					y[i] = k.hi
				}
			}
		}
	}
}
