package train

import (
	"fmt"
	"strings"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// InitFrom reads a model to start training from (Config.Init) and the architecture it has: a
// checkpoint (.safetensors) gives its network and configuration; any other file is read as an official
// float MobileNet V1 .tflite model, whose weights go into the builder's network (mobilenetv1.FromOfficial:
// α, resolution, channels and classes read from the model).
func InitFrom(path string) (*graph.Graph, mobilenetv1.Config, error) {
	if strings.HasSuffix(path, ".safetensors") {
		ck, err := LoadCheckpoint(path)
		if err != nil {
			return nil, mobilenetv1.Config{}, err
		}
		return ck.Graph, ck.State.Model, nil
	}
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, mobilenetv1.Config{}, err
	}
	official, err := m.Graph()
	if err != nil {
		return nil, mobilenetv1.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	g, c, err := mobilenetv1.FromOfficial(official)
	if err != nil {
		return nil, c, fmt.Errorf("%s: %w", path, err)
	}
	return g, c, nil
}
