package detect_test

import (
	"os"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
)

// FuzzParseOptions feeds arbitrary bytes to ParseOptions: it must return options that pass
// Validate, or an error, and never panic.
func FuzzParseOptions(f *testing.F) {
	for _, file := range []string{"coco_postprocess_options.flexbuf", "head_postprocess_options.flexbuf"} {
		b, err := os.ReadFile("../formats/flexbuf/testdata/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(flexMap(cocoEntries()))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := detect.ParseOptions(b)
		if err == nil {
			if verr := o.Validate(); verr != nil {
				t.Fatalf("ParseOptions accepted options that fail Validate: %v", verr)
			}
		}
	})
}
