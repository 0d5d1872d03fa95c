package train

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
)

// MaxCheckpointBytes bounds the size of a checkpoint LoadCheckpoint reads (2 GiB).
const MaxCheckpointBytes = checkpoint.MaxBytes

// optimizerPrefix starts the names of the optimizer's state tensors in a checkpoint.
const optimizerPrefix = checkpoint.OptimizerPrefix

// Architecture is the builder classifier checkpoints record: MobileNet V1. Detector checkpoints record
// checkpoint.SSDMobileNetV1.
const Architecture = checkpoint.MobileNetV1

// State says where a run stands: what a checkpoint records besides tensors, in its metadata. The data
// order and the augmentations are drawn from the seed, the epoch and the position in the epoch
// (counter-based, see data.Loader), so Seed, Epoch and Step are the whole random state of the run.
type State struct {
	Builder    string             // checkpoint.MobileNetV1 (the zero value means it) or checkpoint.SSDMobileNetV1
	Model      mobilenetv1.Config // a classifier's architecture (Classes included)
	Detector   ssd.Config         // a detector's architecture
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

// metadata flattens s's training state into checkpoint metadata; the network's configuration goes in
// the checkpoint's builder and config keys (see formats/checkpoint).
func (s *State) metadata() map[string]string {
	labels, _ := json.Marshal(s.Labels)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return map[string]string{
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

// parseState reads the training state back from a loaded checkpoint: the network's configuration from
// its config, the run's position from its metadata. Each key must be present and hold a number in
// range; the error names the first that does not.
func parseState(f *checkpoint.File) (*State, error) {
	s := &State{Builder: f.Builder, Labels: f.Labels}
	var err error
	switch f.Builder {
	case checkpoint.MobileNetV1:
		err = json.Unmarshal(f.Config, &s.Model)
	case checkpoint.SSDMobileNetV1:
		err = json.Unmarshal(f.Config, &s.Detector)
	case checkpoint.MobileNetV2, checkpoint.MobileNetV3Large, checkpoint.MobileNetV3Small:
		err = parseClassifierConfig(f.Builder, f.Config, &s.Model)
	default:
		return nil, fmt.Errorf("train: resuming a %s checkpoint is not supported (training builds %s and %s)", f.Builder, checkpoint.MobileNetV1, checkpoint.SSDMobileNetV1)
	}
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint config: %v", err)
	}
	m := checkpoint.NewMeta(f.Metadata, "train")
	m.Get("labels", func(string) error { return nil }) // parsed by formats/checkpoint, but training needs them
	m.Int("epoch", 0, &s.Epoch)
	m.Int("step", 0, &s.Step)
	m.Get("global_step", func(v string) error {
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil || n < 0 {
			return fmt.Errorf("want a whole number, at least 0")
		}
		s.GlobalStep = n
		return nil
	})
	m.Get("seed", func(v string) (e error) {
		if s.Seed, e = strconv.ParseUint(v, 10, 64); e != nil {
			return fmt.Errorf("want a whole number from 0 to %d", uint64(math.MaxUint64))
		}
		return nil
	})
	m.Int("batch", 1, &s.Batch)
	m.Get("optimizer", func(v string) error {
		if !json.Valid([]byte(v)) || !strings.HasPrefix(strings.TrimSpace(v), "{") {
			return fmt.Errorf("want a JSON object")
		}
		s.Optimizer = v
		return nil
	})
	m.Get("epoch_loss", func(v string) error {
		x, e := strconv.ParseFloat(v, 64)
		if e != nil || !(x >= 0) || math.IsInf(x, 1) {
			return fmt.Errorf("want a finite number, at least 0")
		}
		s.EpochLoss = x
		return nil
	})
	m.Int("epoch_seen", 0, &s.EpochSeen)
	m.Int("epoch_correct", 0, &s.EpochCorrect)
	if m.Err == nil && s.EpochCorrect > s.EpochSeen {
		m.Err = fmt.Errorf("train: checkpoint metadata \"epoch_correct\" = \"%d\": more than the %d images seen", s.EpochCorrect, s.EpochSeen)
	}
	if m.Err != nil {
		return nil, m.Err
	}
	return s, nil
}

// SaveCheckpoint writes g's constants (weights, batch norm parameters and moving statistics), the
// optimizer state tensors (named "optimizer/<parameter>/<slot>"; nil for none) and s to path as a
// safetensors file of format mobilenet-go-checkpoint-2 (builder mobilenet_v1 with config s.Model, or
// ssd_mobilenet_v1 with s.Detector),
// atomically: a temporary file, synced, then renamed.
func SaveCheckpoint(path string, g *graph.Graph, s *State, opt map[string][]float32) error {
	names := make([]string, 0, len(opt))
	for k := range opt {
		names = append(names, k)
	}
	sort.Strings(names)
	extra := make([]safetensors.Tensor, 0, len(names))
	for _, k := range names {
		extra = append(extra, safetensors.FromFloat32(optimizerPrefix+k, []int{len(opt[k])}, opt[k]))
	}
	builder, config := checkpoint.MobileNetV1, any(s.Model)
	switch s.Builder {
	case checkpoint.SSDMobileNetV1:
		builder, config = s.Builder, s.Detector
	case checkpoint.MobileNetV2, checkpoint.MobileNetV3Large, checkpoint.MobileNetV3Small:
		builder, config = s.Builder, classifierConfig(s.Builder, s.Model)
	}
	if err := checkpoint.Save(path, g, builder, config, s.metadata(), extra); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Checkpoint is a checkpoint read back: the network (training form), where the run stood, and the
// optimizer's state tensors by "<parameter>/<slot>".
type Checkpoint struct {
	Graph     *graph.Graph
	State     *State
	Optimizer map[string][]float32
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint (or a mobilenet-go-checkpoint-1 file of
// earlier versions) through formats/checkpoint: it rebuilds the recorded network and fills every
// constant from the file, whose shapes must match; a missing or unknown tensor is an error. A
// checkpoint of a builder other than mobilenet_v1, or without the training state, is refused.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := checkpoint.Load(path, MaxCheckpointBytes, optimizerPrefix)
	if err != nil {
		return nil, err
	}
	s, err := parseState(f)
	if err != nil {
		return nil, fmt.Errorf("%v (%s)", err, path)
	}
	ck := &Checkpoint{Graph: f.Graph, State: s, Optimizer: map[string][]float32{}}
	for i := range f.Extra {
		t := &f.Extra[i]
		vals, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("train: %v (%s)", err, path)
		}
		ck.Optimizer[strings.TrimPrefix(t.Name, optimizerPrefix)] = vals
	}
	return ck, nil
}
