package tflite

import "testing"

// BenchmarkParse parses the 2.6 MB MobileNet V1 0.75/192 model. Parse copies no buffer
// data, so its cost follows the number of tensors and operators, not the file size.
func BenchmarkParse(b *testing.B) {
	data := readModel(b, "mobilenet_v1_0.75_192_quant.tflite")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
