package onnx_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/mobilenet-go/mobilenet/formats/onnx"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// Export MobileNet V1 0.25/128 (training form; Export folds it) for ONNX Runtime.
func ExampleExport() {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 128, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer // or an *os.File
	if err := onnx.Export(&buf, g); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ONNX IR %d, opset %d, %.1f MB\n", onnx.IRVersion, onnx.Opset, float64(buf.Len())/1e6)
	// Output: ONNX IR 8, opset 13, 1.9 MB
}
