package checkpoint

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// configV1 translates the metadata of a mobilenet-go-checkpoint-1 file into the JSON of the equivalent
// mobilenet_v1 configuration. The file's architecture must be mobilenet_v1 and each of alpha,
// resolution, channels, classes, full_conv and min_depth must be present and parse.
func configV1(md map[string]string) ([]byte, error) {
	if a := md["architecture"]; a != MobileNetV1 {
		return nil, fmt.Errorf("checkpoint: %s architecture %s, want %q", FormatV1, quote(a), MobileNetV1)
	}
	var c mobilenetv1.Config
	m := NewMeta(md, "checkpoint")
	m.Get("alpha", func(v string) error {
		a, e := strconv.ParseFloat(v, 64)
		if e != nil || math.IsNaN(a) || math.IsInf(a, 0) {
			return fmt.Errorf("not a finite number")
		}
		c.Alpha = a
		return nil
	})
	m.Int("resolution", math.MinInt, &c.Resolution)
	m.Int("channels", math.MinInt, &c.Channels)
	m.Int("classes", math.MinInt, &c.Classes)
	m.Get("full_conv", func(v string) (e error) {
		if c.FullConv, e = strconv.ParseBool(v); e != nil {
			return fmt.Errorf("not true or false")
		}
		return nil
	})
	m.Int("min_depth", math.MinInt, &c.MinDepth)
	if m.Err != nil {
		return nil, m.Err
	}
	return json.Marshal(c)
}
