package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestKernelPanicBecomesError: a kernel that panics, on the calling goroutine or on a worker, gives an
// error of that run, and the program (and the process) go on.
func TestKernelPanicBecomesError(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4}, nil)
	y, _ := g.Add1("boom", &panicOp{}, x)
	g.Outputs = []int{y}
	p, err := Compile(g, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := tensor.New(tensor.Float32, tensor.Shape{1, 4})
	for range 3 {
		if _, err := p.Run(in); err == nil || !strings.Contains(err.Error(), "kernel exploded") {
			t.Fatalf("Run = %v, want the panic as an error", err)
		}
	}
}

// panicOp is an op whose kernel panics in every part it runs on the worker pool.
type panicOp struct{}

func (*panicOp) Type() string { return "Panic" }
func (*panicOp) Shapes(in []*Value) ([]tensor.Shape, error) {
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}
func (*panicOp) Describe(in, out []*Value) Info { return Info{} }
func (*panicOp) Compile(in, out []*Value, o *Options) (Kernel, error) {
	var ps partGroup
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		parallel(&ps, 4, func(part int) { panic(fmt.Sprintf("kernel exploded in part %d", part)) })
		return nil
	}), nil
}
