// Package golden reads the reference outputs in testdata/golden: outputs of the real TensorFlow Lite
// interpreter (shared/oracle) for inputs that tests regenerate from a seed with package lcg, or, for
// photo cases, inputs stored in the file itself.
//
// One file holds one model. A case made from seeds has Seeds, one per model input: input i is
// lcg.Uint8s(Seeds[i], n) for a uint8 model, lcg.Int8s(Seeds[i], n) for an int8 model and
// lcg.Float32s(Seeds[i], n) for a float model, with n the element count of input i. A photo case has Image and InputB64 instead, the exact input bytes.
package golden

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
)

// Input kinds of File.InputKind.
const (
	KindUint8   = "uint8"
	KindInt8    = "int8"
	KindFloat32 = "float32"
)

// File is one golden file: a model, how its outputs were made, and the cases.
type File struct {
	Model     string   `json:"model"`      // base name of the .tflite file in shared/models
	Generator string   `json:"generator"`  // the command that wrote the file
	Oracle    string   `json:"oracle"`     // the interpreter that computed the outputs
	SeedRule  string   `json:"seed_rule"`  // how cases map to seeds and seeds to inputs
	InputKind string   `json:"input_kind"` // KindUint8, KindInt8 or KindFloat32: how inputs are made from seeds
	Notes     string   `json:"notes,omitempty"`
	Inputs    []Tensor `json:"inputs"` // the oracle's input descriptors, in model input order
	Cases     []Case   `json:"cases"`
}

// Tensor describes a model input as the oracle reports it (8-bit tensors are reported as int32).
type Tensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
}

// Case is one run of the model.
type Case struct {
	Seed     uint32   `json:"seed,omitempty"`      // Seeds[0], for seeded cases
	Seeds    []uint32 `json:"seeds,omitempty"`     // one seed per model input, for seeded cases
	Image    string   `json:"image,omitempty"`     // the photo in shared/images, for photo cases
	InputB64 []string `json:"input_b64,omitempty"` // base64 of each input's raw bytes, for photo cases
	Outputs  []Output `json:"outputs"`             // every model output, in model output order
}

// Output is one output tensor. DType "int32" holds 8-bit codes (or integers) in Ints; "float32" holds
// Floats, each written with the shortest decimal that reads back as the same float32.
type Output struct {
	Name   string
	Shape  []int
	DType  string
	Ints   []int32
	Floats []float32
}

// wireOutput is Output as it appears in the file.
type wireOutput struct {
	Name  string          `json:"name"`
	Shape []int           `json:"shape"`
	DType string          `json:"dtype"`
	Data  json.RawMessage `json:"data"`
}

// MarshalJSON writes the output with its data under "data".
func (o Output) MarshalJSON() ([]byte, error) {
	var data any
	switch o.DType {
	case "int32":
		data = o.Ints
	case "float32":
		data = o.Floats
	default:
		return nil, fmt.Errorf("golden: output %q: unknown dtype %q", o.Name, o.DType)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(wireOutput{Name: o.Name, Shape: o.Shape, DType: o.DType, Data: raw})
}

// UnmarshalJSON reads "data" into Ints or Floats by dtype; float32 values are parsed at 32 bits.
func (o *Output) UnmarshalJSON(b []byte) error {
	var w wireOutput
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = Output{Name: w.Name, Shape: w.Shape, DType: w.DType}
	switch w.DType {
	case "int32":
		return json.Unmarshal(w.Data, &o.Ints)
	case "float32":
		return json.Unmarshal(w.Data, &o.Floats)
	}
	return fmt.Errorf("golden: output %q: unknown dtype %q", w.Name, w.DType)
}

// Len returns the number of values the output holds.
func (o *Output) Len() int {
	if o.DType == "float32" {
		return len(o.Floats)
	}
	return len(o.Ints)
}

// Inputs decodes the stored input bytes of a photo case, one slice per model input. It returns nil
// for a seeded case.
func (c *Case) Inputs() ([][]byte, error) {
	if len(c.InputB64) == 0 {
		return nil, nil
	}
	out := make([][]byte, len(c.InputB64))
	for i, s := range c.InputB64 {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("golden: input %d: %w", i, err)
		}
		out[i] = b
	}
	return out, nil
}

// Elems returns the number of elements of a shape, or -1 if a dimension is negative or the product
// exceeds 1<<31.
func Elems(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > (1<<31)/d) {
			return -1
		}
		n *= d
	}
	return n
}

// Load reads and checks a golden file: every case is either seeded (one seed per input) or a photo
// case (one stored input per model input, of the input's element count), and every output holds as
// many values as its shape says. Stored inputs hold one byte per element for a uint8 model and four
// (little-endian float32) for a float model.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	return &f, nil
}

func (f *File) check() error {
	if f.InputKind != KindUint8 && f.InputKind != KindInt8 && f.InputKind != KindFloat32 {
		return fmt.Errorf("unknown input_kind %q", f.InputKind)
	}
	if len(f.Inputs) == 0 {
		return fmt.Errorf("no input descriptors")
	}
	for i, in := range f.Inputs {
		if Elems(in.Shape) < 0 {
			return fmt.Errorf("input %d: bad shape %v", i, in.Shape)
		}
	}
	for k := range f.Cases {
		c := &f.Cases[k]
		switch {
		case c.Image == "":
			if len(c.Seeds) != len(f.Inputs) || c.Seed != c.Seeds[0] {
				return fmt.Errorf("case %d: %d seeds for %d inputs (seed %d)", k, len(c.Seeds), len(f.Inputs), c.Seed)
			}
		default:
			ins, err := c.Inputs()
			if err != nil {
				return fmt.Errorf("case %d: %w", k, err)
			}
			if len(ins) != len(f.Inputs) {
				return fmt.Errorf("case %d: %d stored inputs for %d model inputs", k, len(ins), len(f.Inputs))
			}
			size := 1
			if f.InputKind == KindFloat32 {
				size = 4
			}
			for i, in := range ins {
				if want := size * Elems(f.Inputs[i].Shape); len(in) != want {
					return fmt.Errorf("case %d: input %d has %d bytes, want %d", k, i, len(in), want)
				}
			}
		}
		if len(c.Outputs) == 0 {
			return fmt.Errorf("case %d: no outputs", k)
		}
		for j := range c.Outputs {
			o := &c.Outputs[j]
			if n := Elems(o.Shape); n < 0 || n != o.Len() {
				return fmt.Errorf("case %d: output %q has %d values for shape %v", k, o.Name, o.Len(), o.Shape)
			}
		}
	}
	return nil
}
