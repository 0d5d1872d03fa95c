package tflite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must never panic and its errors must be
// one line; a model it accepts must keep every promise checkInvariants restates, and
// TensorData and AssociatedFiles must not panic on it.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(modelDir, headModel)); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile(filepath.Join(modelDir, "mobilenet_v1_0.25_128_quant.tflite")); err == nil {
		f.Add(b[:16<<10])
	}
	f.Add(convModel().build())
	f.Add(chainModel().build())
	f.Add(zipModel(f, map[string]string{"labels.txt": "background\ncat\n"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if err := checkInvariants(m); err != nil {
			t.Fatalf("accepted model breaks a promise: %v", err)
		}
	})
}
