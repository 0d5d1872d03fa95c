// Package zoo chooses a builder by architecture name: MobileNet V1, V2, V3-Large or V3-Small, with the
// options they share. The command line and the training loop choose through it.
package zoo

import (
	"fmt"
	"strings"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv2"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv3"
)

// The architecture names.
const (
	V1      = "v1"
	V2      = "v2"
	V3Large = "v3-large"
	V3Small = "v3-small"
)

// Archs lists the architecture names in order.
var Archs = []string{V1, V2, V3Large, V3Small}

// Config is what the builders share. Zero fields take each builder's defaults.
type Config struct {
	Alpha      float64
	Resolution int
	Channels   int
	Classes    int
	Seed       uint64
	// Symmetric pads as torchvision (V2 and V3 only; V1 always pads as TensorFlow's SAME).
	Symmetric bool
}

// Check returns an error unless arch names an architecture.
func Check(arch string) error {
	for _, a := range Archs {
		if a == arch {
			return nil
		}
	}
	return fmt.Errorf("architecture %q: want one of %s", arch, strings.Join(Archs, ", "))
}

// Build builds the training form of architecture arch.
func Build(arch string, c Config) (*graph.Graph, error) {
	switch arch {
	case V1:
		if c.Symmetric {
			return nil, fmt.Errorf("MobileNet V1 pads as TensorFlow's SAME only")
		}
		return mobilenetv1.Build(mobilenetv1.Config{Alpha: c.Alpha, Resolution: c.Resolution, Channels: c.Channels, Classes: c.Classes, Seed: c.Seed})
	case V2:
		return mobilenetv2.Build(mobilenetv2.Config{Alpha: c.Alpha, Resolution: c.Resolution, Channels: c.Channels, Classes: c.Classes, Seed: c.Seed, Symmetric: c.Symmetric})
	case V3Large, V3Small:
		v3 := mobilenetv3.Config{Alpha: c.Alpha, Resolution: c.Resolution, Channels: c.Channels, Classes: c.Classes, Seed: c.Seed, Symmetric: c.Symmetric}
		if arch == V3Small {
			return mobilenetv3.BuildSmall(v3)
		}
		return mobilenetv3.BuildLarge(v3)
	}
	return nil, Check(arch)
}
