package checkpoint

import (
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv2"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv3"
)

// The MobileNet V2 and V3 families: their configurations record every field explicitly (Symmetric and
// Seed may be false and 0).

func v2Family() builder {
	return family[mobilenetv2.Config]{
		name:     MobileNetV2,
		complete: func(c mobilenetv2.Config, _ *graph.Graph) (mobilenetv2.Config, error) { return c.WithDefaults() },
		check: func(c mobilenetv2.Config) error {
			if err := explicitCommon(c.Alpha, c.Resolution, c.Channels, c.Classes, c.Epsilon); err != nil {
				return err
			}
			_, err := c.WithDefaults()
			return err
		},
		floats: func(c mobilenetv2.Config) int64 {
			s, err := c.Spec()
			if err != nil {
				return 0
			}
			return s.Floats()
		},
		classes: func(c mobilenetv2.Config) int { return c.Classes },
		build:   mobilenetv2.Build,
	}
}

func v3Family(name string, small bool) builder {
	build := mobilenetv3.BuildLarge
	if small {
		build = mobilenetv3.BuildSmall
	}
	return family[mobilenetv3.Config]{
		name:     name,
		complete: func(c mobilenetv3.Config, _ *graph.Graph) (mobilenetv3.Config, error) { return c.WithDefaults() },
		check: func(c mobilenetv3.Config) error {
			if err := explicitCommon(c.Alpha, c.Resolution, c.Channels, c.Classes, c.Epsilon); err != nil {
				return err
			}
			_, err := c.WithDefaults()
			return err
		},
		floats: func(c mobilenetv3.Config) int64 {
			s, err := c.Spec(small)
			if err != nil {
				return 0
			}
			return s.Floats()
		},
		classes: func(c mobilenetv3.Config) int { return c.Classes },
		build:   build,
	}
}

func explicitCommon(alpha float64, res, channels, classes int, eps float64) error {
	for _, e := range []error{
		explicit("Alpha", alpha == 0), explicit("Resolution", res == 0), explicit("Channels", channels == 0),
		explicit("Classes", classes == 0), explicit("Epsilon", eps == 0),
	} {
		if e != nil {
			return e
		}
	}
	return nil
}
