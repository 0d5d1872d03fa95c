package tflite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// FuzzGraph feeds arbitrary bytes through the whole loading path: Parse, conversion to a graph,
// compilation (every shape and quantization parameter checked) and, for small models, one run on zero
// inputs. None of it may panic, and every error must be one line.
func FuzzGraph(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(modelDir, headModel)); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile(filepath.Join(modelDir, "person_detect.tflite")); err == nil {
		f.Add(b)
	}
	f.Add(convModel().build())
	f.Add(chainModel().build())
	f.Fuzz(func(t *testing.T, b []byte) {
		oneLine := func(err error) {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("multi-line error %q", err)
			}
		}
		m, err := Parse(b)
		if err != nil {
			oneLine(err)
			return
		}
		g, err := m.Graph()
		if err != nil {
			oneLine(err)
			return
		}
		for _, opt := range []graph.Options{{MaxBytes: 64 << 20}, {Rounding: 1, MaxBytes: 64 << 20}} {
			p, err := graph.Compile(g, opt)
			if err != nil {
				oneLine(err)
				return
			}
			if graph.Summarize(g).MultAdds > 1e6 {
				return
			}
			ins := make([]*tensor.Tensor, len(p.Inputs()))
			for i, v := range p.Inputs() {
				if ins[i], err = tensor.New(v.DType, v.Shape); err != nil {
					return
				}
			}
			if _, err := p.Run(ins...); err != nil {
				oneLine(err)
			}
		}
	})
}
