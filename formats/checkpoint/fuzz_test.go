package checkpoint

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// FuzzRead feeds arbitrary bytes to Read: it returns an error or a network whose every constant came
// from the file, never panics, and never builds a network larger than the file.
func FuzzRead(f *testing.F) {
	g, err := mobilenetv1.Build(tinyV1)
	if err != nil {
		f.Fatal(err)
	}
	b := encodeBytes(f, g, MobileNetV1, tinyV1, map[string]string{"labels": `["a","b","c","d","e"]`, "epoch": "1"}, nil)
	f.Add(b)
	f.Add(b[:100])
	c := mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5, MinDepth: 8}
	f.Add(writeV1(f, g, c, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data, OptimizerPrefix)
		if err != nil {
			if file != nil {
				t.Fatal("a file and an error")
			}
			return
		}
		if file.Graph == nil || file.Config == nil {
			t.Fatal("no error and no network")
		}
		var n int
		for _, v := range file.Graph.Values {
			if v.Const() {
				n += 4 * len(v.Data.F32)
			}
		}
		if n > len(data) {
			t.Fatalf("a %d-byte file built %d bytes of constants", len(data), n)
		}
	})
}
