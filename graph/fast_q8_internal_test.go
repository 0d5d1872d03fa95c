package graph

import (
	"fmt"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestFastQAvgPool swaps the kernels of 8-bit average poolings (global as in MobileNet, and windows
// clipped by SAME padding, strided) for fastQAvgPool (which compileQAvgPool calls first), and
// checks that they compute the reference kernels' codes, uint8 and int8, with fused activations, on
// one thread and two, and that a run allocates nothing.
func TestFastQAvgPool(t *testing.T) {
	cases := []struct {
		h, w, c int
		pool    AvgPool2D
	}{
		{7, 7, 256, AvgPool2D{KH: 7, KW: 7, StrideH: 2, StrideW: 2}},
		{3, 3, 256, AvgPool2D{KH: 3, KW: 3, StrideH: 2, StrideW: 2, Act: ActReLU6}},
		{9, 8, 37, AvgPool2D{KH: 3, KW: 3, StrideH: 2, StrideW: 1, Pads: Pads{Top: 1, Left: 1, Bottom: 1, Right: 1}}},
		{16, 16, 5, AvgPool2D{KH: 2, KW: 2, StrideH: 2, StrideW: 2, Act: ActReLU}},
	}
	for ci, c := range cases {
		for _, dt := range []tensor.DType{tensor.Uint8, tensor.Int8} {
			g := &Graph{}
			zp := int32(3)
			if dt == tensor.Uint8 {
				zp = 131
			}
			q := tensor.PerTensor(0.05, zp)
			x := g.AddInput("x", dt, tensor.Shape{1, c.h, c.w, c.c}, q)
			pool := c.pool
			y, err := g.Add1("pool", &pool, x)
			if err != nil {
				t.Fatal(err)
			}
			g.Values[y].Quant = q
			g.Outputs = []int{y}
			in, err := tensor.New(dt, tensor.Shape{1, c.h, c.w, c.c})
			if err != nil {
				t.Fatal(err)
			}
			in.Quant = q
			for i := range in.U8 {
				in.U8[i] = uint8(i*7919 + i/97 + ci)
			}
			for i := range in.I8 {
				in.I8[i] = int8(i*7919 + i/97 + ci)
			}
			ref, err := Compile(g, Options{Reference: true})
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			want0 := fmt.Sprint(want[0].U8, want[0].I8)
			for _, threads := range []int{1, 2} {
				p, err := Compile(g, Options{Threads: threads, Rounding: qmath.Reference})
				if err != nil {
					t.Fatal(err)
				}
				xs, ys := p.pick(g.Nodes[0].Inputs), p.pick(g.Nodes[0].Outputs)
				lo, hi := qmath.ActivationRange(pool.Act.String(), 0.05, zp, dt == tensor.Int8)
				if dt == tensor.Int8 {
					p.kernels[0] = fastQAvgPool[int8](&pool, xs, ys, lo, hi, &Options{Threads: threads})
				} else {
					p.kernels[0] = fastQAvgPool[uint8](&pool, xs, ys, lo, hi, &Options{Threads: threads})
				}
				if name := p.KernelName(0); len(name) < 10 || name[:10] != "q8.AvgPool" {
					t.Fatalf("kernel %q", name)
				}
				got, err := p.Run(in)
				if err != nil {
					t.Fatal(err)
				}
				if s := fmt.Sprint(got[0].U8, got[0].I8); s != want0 {
					t.Fatalf("case %d %v threads %d: got %s\nwant %s", ci, dt, threads, s, want0)
				}
				if a := testing.AllocsPerRun(10, func() { p.Run(in) }); a != 0 {
					t.Errorf("case %d %v threads %d: %v allocations per run", ci, dt, threads, a)
				}
			}
		}
	}
}
