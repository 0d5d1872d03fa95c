package onnx

import (
	"fmt"
	"math"
)

// This file is a small, slow interpreter of ONNX semantics (NCHW, float64) for the ops Export writes,
// written from the operator specifications, so that tests can run an exported model without ONNX
// Runtime and compare it with the graph runtime.

// nd is a dense row-major array.
type nd struct {
	dims []int
	data []float64
}

func newND(dims ...int) nd {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return nd{dims: append([]int(nil), dims...), data: make([]float64, n)}
}

// strides returns the row-major strides of dims.
func strides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}

// evalModel runs m's graph on the given inputs and returns every tensor it computed, by name.
func evalModel(m *decodedModel, inputs map[string]nd) (map[string]nd, error) {
	env := map[string]nd{}
	for name, t := range m.graph.inits {
		x := nd{dims: make([]int, len(t.dims))}
		for i, d := range t.dims {
			x.dims[i] = int(d)
		}
		switch t.dataType {
		case 1:
			for _, v := range t.floats() {
				x.data = append(x.data, float64(v))
			}
		case 7:
			for _, v := range t.int64s() {
				x.data = append(x.data, float64(v))
			}
		}
		env[name] = x
	}
	for name, x := range inputs {
		env[name] = x
	}
	for _, n := range m.graph.nodes {
		in := make([]nd, len(n.inputs))
		for i, name := range n.inputs {
			x, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("node %s (%s): input %q is not defined before it", n.name, n.op, name)
			}
			in[i] = x
		}
		y, err := evalNode(n, in)
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.name, n.op, err)
		}
		if len(n.outputs) != 1 {
			return nil, fmt.Errorf("node %s: %d outputs", n.name, len(n.outputs))
		}
		if _, dup := env[n.outputs[0]]; dup {
			return nil, fmt.Errorf("node %s: output %q is defined twice", n.name, n.outputs[0])
		}
		env[n.outputs[0]] = y
	}
	return env, nil
}

func evalNode(n decodedNode, in []nd) (nd, error) {
	a := n.attrs
	switch n.op {
	case "Identity":
		return in[0], nil
	case "Relu":
		return mapND(in[0], func(v float64) float64 { return math.Max(v, 0) }), nil
	case "Clip":
		lo, hi := in[1].data[0], in[2].data[0]
		return mapND(in[0], func(v float64) float64 { return math.Min(math.Max(v, lo), hi) }), nil
	case "Mul":
		s := in[1].data[0]
		return mapND(in[0], func(v float64) float64 { return v * s }), nil
	case "Transpose":
		return transposeND(in[0], a["perm"].ints), nil
	case "Conv":
		return convND(in, a), nil
	case "AveragePool":
		if a["count_include_pad"].i != 0 {
			return nd{}, fmt.Errorf("count_include_pad must be 0")
		}
		return avgPoolND(in[0], a), nil
	case "GlobalAveragePool":
		x := in[0]
		y := newND(x.dims[0], x.dims[1], 1, 1)
		hw := x.dims[2] * x.dims[3]
		for i := range y.data {
			for j := 0; j < hw; j++ {
				y.data[i] += x.data[i*hw+j]
			}
			y.data[i] /= float64(hw)
		}
		return y, nil
	case "Flatten":
		x := in[0]
		return nd{dims: []int{x.dims[0], len(x.data) / x.dims[0]}, data: x.data}, nil
	case "Reshape":
		return reshapeND(in[0], in[1].data)
	case "Gemm":
		if a["transB"].i != 1 {
			return nd{}, fmt.Errorf("transB must be 1")
		}
		x, w := in[0], in[1]
		nb, k, o := x.dims[0], x.dims[1], w.dims[0]
		y := newND(nb, o)
		for b := 0; b < nb; b++ {
			for j := 0; j < o; j++ {
				s := 0.0
				if len(in) == 3 {
					s = in[2].data[j]
				}
				for i := 0; i < k; i++ {
					s += x.data[b*k+i] * w.data[j*k+i]
				}
				y.data[b*o+j] = s
			}
		}
		return y, nil
	case "Softmax":
		return softmaxND(in[0], int(a["axis"].i)), nil
	case "BatchNormalization":
		x := in[0]
		y := newND(x.dims...)
		c := x.dims[1]
		inner := len(x.data) / x.dims[0] / c
		for i := range x.data {
			ch := i / inner % c
			y.data[i] = (x.data[i]-in[3].data[ch])/math.Sqrt(in[4].data[ch]+float64(a["epsilon"].f))*in[1].data[ch] + in[2].data[ch]
		}
		return y, nil
	}
	return nd{}, fmt.Errorf("op %s is not interpreted", n.op)
}

func mapND(x nd, f func(float64) float64) nd {
	y := newND(x.dims...)
	for i, v := range x.data {
		y.data[i] = f(v)
	}
	return y
}

// transposeND computes y[i_perm[0], ...] with y.dims[k] = x.dims[perm[k]].
func transposeND(x nd, perm []int64) nd {
	dims := make([]int, len(perm))
	for k, p := range perm {
		dims[k] = x.dims[p]
	}
	y := newND(dims...)
	xs, ys := strides(x.dims), strides(dims)
	for i := range y.data {
		src := 0
		for k := range dims {
			src += (i / ys[k] % dims[k]) * xs[perm[k]]
		}
		y.data[i] = x.data[src]
	}
	return y
}

// convND is ONNX Conv: y[n,m,oy,ox] = B[m] + Σ x[n, g·C/G+c, oy·s−pad+ky·d, ...]·W[m,c,ky,kx], where g is
// m's group.
func convND(in []nd, a map[string]decodedAttr) nd {
	x, w := in[0], in[1]
	nb, c, h, wd := x.dims[0], x.dims[1], x.dims[2], x.dims[3]
	m, cg, kh, kw := w.dims[0], w.dims[1], w.dims[2], w.dims[3]
	st, pd, dl, groups := a["strides"].ints, a["pads"].ints, a["dilations"].ints, int(a["group"].i)
	oh := (h+int(pd[0]+pd[2])-(int(dl[0])*(kh-1)+1))/int(st[0]) + 1
	ow := (wd+int(pd[1]+pd[3])-(int(dl[1])*(kw-1)+1))/int(st[1]) + 1
	y := newND(nb, m, oh, ow)
	mg := m / groups
	for b := 0; b < nb; b++ {
		for o := 0; o < m; o++ {
			g := o / mg
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := 0.0
					if len(in) == 3 {
						s = in[2].data[o]
					}
					for ci := 0; ci < cg; ci++ {
						for ky := 0; ky < kh; ky++ {
							iy := oy*int(st[0]) - int(pd[0]) + ky*int(dl[0])
							for kx := 0; kx < kw; kx++ {
								ix := ox*int(st[1]) - int(pd[1]) + kx*int(dl[1])
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += x.data[((b*c+g*cg+ci)*h+iy)*wd+ix] * w.data[((o*cg+ci)*kh+ky)*kw+kx]
							}
						}
					}
					y.data[((b*m+o)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return y
}

func avgPoolND(x nd, a map[string]decodedAttr) nd {
	nb, c, h, wd := x.dims[0], x.dims[1], x.dims[2], x.dims[3]
	k, st, pd := a["kernel_shape"].ints, a["strides"].ints, a["pads"].ints
	oh := (h+int(pd[0]+pd[2])-int(k[0]))/int(st[0]) + 1
	ow := (wd+int(pd[1]+pd[3])-int(k[1]))/int(st[1]) + 1
	y := newND(nb, c, oh, ow)
	for p := 0; p < nb*c; p++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s, cnt := 0.0, 0
				for ky := 0; ky < int(k[0]); ky++ {
					for kx := 0; kx < int(k[1]); kx++ {
						iy, ix := oy*int(st[0])-int(pd[0])+ky, ox*int(st[1])-int(pd[1])+kx
						if iy >= 0 && iy < h && ix >= 0 && ix < wd {
							s += x.data[(p*h+iy)*wd+ix]
							cnt++
						}
					}
				}
				y.data[(p*oh+oy)*ow+ox] = s / float64(cnt)
			}
		}
	}
	return y
}

// reshapeND is ONNX Reshape: 0 copies the input's dimension, −1 is inferred.
func reshapeND(x nd, shape []float64) (nd, error) {
	dims := make([]int, len(shape))
	known, infer := 1, -1
	for i, s := range shape {
		switch {
		case s == 0:
			dims[i] = x.dims[i]
		case s == -1:
			infer = i
			continue
		default:
			dims[i] = int(s)
		}
		known *= dims[i]
	}
	if infer >= 0 {
		dims[infer] = len(x.data) / known
		known *= dims[infer]
	}
	if known != len(x.data) {
		return nd{}, fmt.Errorf("cannot reshape %v to %v", x.dims, shape)
	}
	return nd{dims: dims, data: x.data}, nil
}

// softmaxND normalises along one axis (opset 13 semantics).
func softmaxND(x nd, axis int) nd {
	if axis < 0 {
		axis += len(x.dims)
	}
	y := newND(x.dims...)
	n := x.dims[axis]
	inner := strides(x.dims)[axis]
	outer := len(x.data) / (n * inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			at := func(k int) int { return (o*n+k)*inner + i }
			mx := math.Inf(-1)
			for k := 0; k < n; k++ {
				mx = math.Max(mx, x.data[at(k)])
			}
			sum := 0.0
			for k := 0; k < n; k++ {
				y.data[at(k)] = math.Exp(x.data[at(k)] - mx)
				sum += y.data[at(k)]
			}
			for k := 0; k < n; k++ {
				y.data[at(k)] /= sum
			}
		}
	}
	return y
}
