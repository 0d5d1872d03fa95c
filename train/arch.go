package train

import (
	"encoding/json"
	"fmt"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv2"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv3"
	"github.com/mobilenet-go/mobilenet/models/zoo"
)

// This file lets the classifier loop train MobileNet V2 and V3 besides V1: Config.Arch names the
// architecture (models/zoo), Config.Model gives α, resolution, input channels and seed for all of
// them, and checkpoints record the V2/V3 builder with its own configuration (defaults: TensorFlow's
// SAME padding, ε 0.001).

// archBuilder returns the checkpoint builder name of a classifier architecture ("" is V1).
func archBuilder(arch string) (string, error) {
	switch arch {
	case "", zoo.V1:
		return checkpoint.MobileNetV1, nil
	case zoo.V2:
		return checkpoint.MobileNetV2, nil
	case zoo.V3Large:
		return checkpoint.MobileNetV3Large, nil
	case zoo.V3Small:
		return checkpoint.MobileNetV3Small, nil
	}
	return "", fmt.Errorf("train: %v", zoo.Check(arch))
}

// buildClassifier builds the classifier of builder (a checkpoint builder name) with m's α, resolution,
// channels, classes and seed.
func buildClassifier(builder string, m mobilenetv1.Config) (*graph.Graph, error) {
	switch builder {
	case checkpoint.MobileNetV1, "":
		return mobilenetv1.Build(m)
	case checkpoint.MobileNetV2:
		return mobilenetv2.Build(v2Config(m))
	case checkpoint.MobileNetV3Large:
		return mobilenetv3.BuildLarge(v3Config(m))
	case checkpoint.MobileNetV3Small:
		return mobilenetv3.BuildSmall(v3Config(m))
	}
	return nil, fmt.Errorf("train: builder %s does not make a classifier", builder)
}

func v2Config(m mobilenetv1.Config) mobilenetv2.Config {
	return mobilenetv2.Config{Alpha: m.Alpha, Resolution: m.Resolution, Channels: m.Channels, Classes: m.Classes, Seed: m.Seed}
}

func v3Config(m mobilenetv1.Config) mobilenetv3.Config {
	return mobilenetv3.Config{Alpha: m.Alpha, Resolution: m.Resolution, Channels: m.Channels, Classes: m.Classes, Seed: m.Seed}
}

// classifierConfig returns the configuration a checkpoint of builder records for m.
func classifierConfig(builder string, m mobilenetv1.Config) any {
	switch builder {
	case checkpoint.MobileNetV2:
		c, _ := v2Config(m).WithDefaults()
		return c
	case checkpoint.MobileNetV3Large, checkpoint.MobileNetV3Small:
		c, _ := v3Config(m).WithDefaults()
		return c
	}
	return m
}

// parseClassifierConfig reads a V2 or V3 checkpoint's configuration back into the fields training
// keeps; a configuration training cannot have made (another padding or ε) is refused.
func parseClassifierConfig(builder string, raw []byte, m *mobilenetv1.Config) error {
	var a, b float64
	var sym bool
	switch builder {
	case checkpoint.MobileNetV2:
		var c mobilenetv2.Config
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		*m = mobilenetv1.Config{Alpha: c.Alpha, Resolution: c.Resolution, Channels: c.Channels, Classes: c.Classes, Seed: c.Seed}
		a, b, sym = c.Epsilon, mobilenetv2.BatchNormEpsilon, c.Symmetric
	default:
		var c mobilenetv3.Config
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		*m = mobilenetv1.Config{Alpha: c.Alpha, Resolution: c.Resolution, Channels: c.Channels, Classes: c.Classes, Seed: c.Seed}
		a, b, sym = c.Epsilon, mobilenetv3.BatchNormEpsilon, c.Symmetric
	}
	if a != b || sym {
		return fmt.Errorf("training resumes %s with SAME padding and ε %g only (the checkpoint has ε %g, symmetric %v)", builder, b, a, sym)
	}
	return nil
}
