package graph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestDepthwiseKxKFastEqualsReference compares the fast depthwise kernel of non-3×3 kernels with the
// reference on odd and even sizes, odd channel counts, strides 1 to 3 (unequal too), SAME (asymmetric)
// and symmetric padding, with and without bias and ReLU6, at batch 2 split over 2 threads.
func TestDepthwiseKxKFastEqualsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	cases := 0
	for _, k := range [][2]int{{5, 5}, {7, 7}, {1, 1}, {5, 3}} {
		for _, size := range [][2]int{{9, 9}, {8, 11}, {3, 4}} {
			for _, stride := range [][2]int{{1, 1}, {2, 2}, {3, 1}} {
				for _, c := range []int{1, 7, 40} {
					sym := r.IntN(2) == 0
					pads, _, _ := ref.SamePads(size[0], size[1], k[0], k[1], stride[0], stride[1], 1, 1)
					if sym {
						pads = Pads{Top: (k[0] - 1) / 2, Bottom: (k[0] - 1) / 2, Left: (k[1] - 1) / 2, Right: (k[1] - 1) / 2}
					}
					g := &Graph{Name: "dw"}
					x := g.AddInput("x", tensor.Float32, tensor.Shape{1, size[0], size[1], c}, nil)
					w := g.AddConst("w", randTensor(r, tensor.Shape{1, k[0], k[1], c}))
					ins := []int{x, w}
					if r.IntN(2) == 0 {
						ins = append(ins, g.AddConst("b", randTensor(r, tensor.Shape{c})))
					}
					op := &DepthwiseConv2D{StrideH: stride[0], StrideW: stride[1], Pads: pads}
					if r.IntN(2) == 0 {
						op.Act = ActReLU6
					}
					y, err := g.Add1("dw", op, ins...)
					if err != nil {
						continue // no window fits
					}
					g.Outputs = []int{y}
					name := fmt.Sprintf("k%v %v s%v c%d %+v", k, size, stride, c, op.Pads)
					in := randTensor(r, tensor.Shape{2, size[0], size[1], c})
					var outs [2][]float64
					for i, reference := range []bool{false, true} {
						p, err := Compile(g, Options{Batch: 2, Threads: 2, Reference: reference, WholeBatch: true})
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						o, err := p.Run(in)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						outs[i] = o[0].Floats()
					}
					if err := approx.Close(outs[0], outs[1], 1e-5, 1e-5); err != nil {
						t.Errorf("%s: %v", name, err)
					}
					cases++
				}
			}
		}
	}
	if cases < 80 {
		t.Fatalf("only %d cases ran", cases)
	}
	t.Logf("%d cases equal within 1e-5", cases)
}

func randTensor(r *rand.Rand, s tensor.Shape) *tensor.Tensor {
	d := make([]float32, s.Size())
	for i := range d {
		d[i] = float32(r.NormFloat64())
	}
	t, _ := tensor.FromFloat32(s, d)
	return t
}
