package tflite

import (
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must never panic and its errors must be
// one line; a model it accepts must keep every promise checkInvariants restates, and
// TensorData and AssociatedFiles must not panic on it.
func FuzzParse(f *testing.F) {
	if b := shared.Optional("models/" + headModel); b != nil {
		f.Add(b)
	}
	if b := shared.Optional("models/mobilenet_v1_0.25_128_quant.tflite"); len(b) >= 16<<10 {
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
