package train

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MaxCheckpointBytes bounds the size of a checkpoint LoadCheckpoint reads (2 GiB).
const MaxCheckpointBytes = 2 << 30

// optimizerPrefix starts the names of the optimizer's state tensors in a checkpoint.
const optimizerPrefix = "optimizer/"

// Architecture is the architecture name checkpoints record.
const Architecture = "mobilenet_v1"

// State says where a run stands: what a checkpoint records besides tensors, in its metadata. The data
// order and the augmentations are drawn from the seed, the epoch and the position in the epoch
// (counter-based, see data.Loader), so Seed, Epoch and Step are the whole random state of the run.
type State struct {
	Model      mobilenetv1.Config // architecture (Classes included)
	Labels     []string           // class names, in label order
	Epoch      int                // epochs completed
	Step       int                // batches completed in epoch Epoch (0 at an epoch boundary)
	GlobalStep int64              // batches completed in all
	Seed       uint64
	Batch      int    // batch size, which fixes the data order
	Optimizer  string // the optimizer's configuration, JSON
	// The running sums of the current epoch, so that a resumed epoch reports the same metrics.
	EpochLoss    float64
	EpochCorrect int
	EpochSeen    int
}

// metadata flattens s into the checkpoint's string map.
func (s *State) metadata() map[string]string {
	labels, _ := json.Marshal(s.Labels)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return map[string]string{
		"format":        "mobilenet-go-checkpoint-1",
		"architecture":  Architecture,
		"alpha":         f(s.Model.Alpha),
		"resolution":    strconv.Itoa(s.Model.Resolution),
		"channels":      strconv.Itoa(s.Model.Channels),
		"classes":       strconv.Itoa(s.Model.Classes),
		"full_conv":     strconv.FormatBool(s.Model.FullConv),
		"min_depth":     strconv.Itoa(s.Model.MinDepth),
		"labels":        string(labels),
		"epoch":         strconv.Itoa(s.Epoch),
		"step":          strconv.Itoa(s.Step),
		"global_step":   strconv.FormatInt(s.GlobalStep, 10),
		"seed":          strconv.FormatUint(s.Seed, 10),
		"batch":         strconv.Itoa(s.Batch),
		"optimizer":     s.Optimizer,
		"rng":           fmt.Sprintf("counter-based: seed %d, epoch %d, step %d", s.Seed, s.Epoch, s.Step),
		"epoch_loss":    f(s.EpochLoss),
		"epoch_correct": strconv.Itoa(s.EpochCorrect),
		"epoch_seen":    strconv.Itoa(s.EpochSeen),
	}
}

// parseState reads a State back from checkpoint metadata.
func parseState(md map[string]string) (*State, error) {
	if md["architecture"] != Architecture {
		return nil, fmt.Errorf("train: checkpoint architecture %q, want %q", md["architecture"], Architecture)
	}
	s := &State{Optimizer: md["optimizer"]}
	var err error
	get := func(key string, parse func(string) error) {
		if err != nil {
			return
		}
		v, ok := md[key]
		if !ok {
			err = fmt.Errorf("train: checkpoint metadata lacks %q", key)
			return
		}
		if e := parse(v); e != nil {
			err = fmt.Errorf("train: checkpoint metadata %q = %q: %v", key, v, e)
		}
	}
	atoi := func(dst *int) func(string) error {
		return func(v string) (e error) { *dst, e = strconv.Atoi(v); return }
	}
	get("alpha", func(v string) (e error) { s.Model.Alpha, e = strconv.ParseFloat(v, 64); return })
	get("resolution", atoi(&s.Model.Resolution))
	get("channels", atoi(&s.Model.Channels))
	get("classes", atoi(&s.Model.Classes))
	get("full_conv", func(v string) (e error) { s.Model.FullConv, e = strconv.ParseBool(v); return })
	get("min_depth", atoi(&s.Model.MinDepth))
	get("labels", func(v string) error { return json.Unmarshal([]byte(v), &s.Labels) })
	get("epoch", atoi(&s.Epoch))
	get("step", atoi(&s.Step))
	get("global_step", func(v string) (e error) { s.GlobalStep, e = strconv.ParseInt(v, 10, 64); return })
	get("seed", func(v string) (e error) { s.Seed, e = strconv.ParseUint(v, 10, 64); return })
	get("batch", atoi(&s.Batch))
	get("epoch_loss", func(v string) (e error) { s.EpochLoss, e = strconv.ParseFloat(v, 64); return })
	get("epoch_correct", atoi(&s.EpochCorrect))
	get("epoch_seen", atoi(&s.EpochSeen))
	if err != nil {
		return nil, err
	}
	switch {
	case len(s.Labels) != s.Model.Classes:
		return nil, fmt.Errorf("train: checkpoint has %d labels for %d classes", len(s.Labels), s.Model.Classes)
	case s.Epoch < 0 || s.Step < 0 || s.GlobalStep < 0 || s.Batch < 0:
		return nil, fmt.Errorf("train: checkpoint position (epoch %d, step %d, batch %d) is negative", s.Epoch, s.Step, s.Batch)
	}
	return s, nil
}

// SaveCheckpoint writes g's constants (weights, batch norm parameters and moving statistics), the
// optimizer state tensors (named "optimizer/<parameter>/<slot>"; nil for none) and s to path as a
// safetensors file, atomically: a temporary file, synced, then renamed.
func SaveCheckpoint(path string, g *graph.Graph, s *State, opt map[string][]float32) error {
	var ts []safetensors.Tensor
	for _, v := range g.Values {
		if !v.Const() {
			continue
		}
		if v.Data.DType != tensor.Float32 {
			return fmt.Errorf("train: constant %q is %v; checkpoints hold float32", v.Name, v.Data.DType)
		}
		ts = append(ts, safetensors.FromFloat32(v.Name, v.Shape, v.Data.F32))
	}
	names := make([]string, 0, len(opt))
	for k := range opt {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ts = append(ts, safetensors.FromFloat32(optimizerPrefix+k, []int{len(opt[k])}, opt[k]))
	}
	return atomicfile.Write(path, func(w io.Writer) error { return safetensors.Write(w, ts, s.metadata()) })
}

// modelFloats returns the number of float32 constants mobilenetv1.Build allocates for c: every
// convolution's weights, four batch norm vectors per convolution of the body, and the classifier's
// weights and biases.
func modelFloats(c mobilenetv1.Config) (int64, error) {
	c, err := c.WithDefaults()
	if err != nil {
		return 0, err
	}
	depth := func(d int) int64 { return int64(max(int(float64(d)*c.Alpha), c.MinDepth)) }
	cin := depth(mobilenetv1.FirstDepth)
	n := 9*int64(c.Channels)*cin + 4*cin
	for _, b := range mobilenetv1.Blocks {
		d := depth(b.Depth)
		if c.FullConv {
			n += 9*cin*d + 4*d
		} else {
			n += 9*cin + 4*cin + cin*d + 4*d
		}
		cin = d
	}
	return n + int64(c.Classes)*(cin+1), nil
}

// Checkpoint is a checkpoint read back: the network (training form), where the run stood, and the
// optimizer's state tensors by "<parameter>/<slot>".
type Checkpoint struct {
	Graph     *graph.Graph
	State     *State
	Optimizer map[string][]float32
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint: it builds the recorded architecture and
// fills every constant from the file, whose shapes must match; a missing or unknown tensor is an error.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := safetensors.ReadFile(path, MaxCheckpointBytes)
	if err != nil {
		return nil, err
	}
	s, err := parseState(f.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, path)
	}
	// Build allocates the architecture's weights: refuse an architecture larger than the file before.
	var held int64
	for _, t := range f.Tensors {
		if !strings.HasPrefix(t.Name, optimizerPrefix) {
			held += int64(len(t.Data)) / 4
		}
	}
	need, err := modelFloats(s.Model)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %v", path, err)
	}
	if need > held {
		return nil, fmt.Errorf("train: %s: %s needs %d weights, the file holds %d", path, s.Model.Name(), need, held)
	}
	g, err := mobilenetv1.Build(s.Model)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %v", path, err)
	}
	consts := map[string]*graph.Value{}
	for _, v := range g.Values {
		if v.Const() {
			consts[v.Name] = v
		}
	}
	ck := &Checkpoint{Graph: g, State: s, Optimizer: map[string][]float32{}}
	filled := 0
	for i := range f.Tensors {
		t := &f.Tensors[i]
		vals, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("%v (%s)", err, path)
		}
		if name, ok := strings.CutPrefix(t.Name, optimizerPrefix); ok {
			ck.Optimizer[name] = vals
			continue
		}
		v := consts[t.Name]
		if v == nil {
			return nil, fmt.Errorf("train: %s: tensor %q is not part of %s", path, t.Name, g.Name)
		}
		if !v.Shape.Equal(tensor.Shape(t.Shape)) {
			return nil, fmt.Errorf("train: %s: tensor %q has shape %v, the network wants %v", path, t.Name, t.Shape, v.Shape)
		}
		copy(v.Data.F32, vals)
		filled++
	}
	if filled != len(consts) {
		for name := range consts {
			if f.Get(name) == nil {
				return nil, fmt.Errorf("train: %s: tensor %q is missing", path, name)
			}
		}
	}
	return ck, nil
}
