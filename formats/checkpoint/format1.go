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
	var err error
	get := func(key string, parse func(string) error) {
		if err != nil {
			return
		}
		v, ok := md[key]
		if !ok {
			err = fmt.Errorf("checkpoint: metadata lacks %q", key)
			return
		}
		if e := parse(v); e != nil {
			err = fmt.Errorf("checkpoint: metadata %q = %s: %v", key, quote(v), e)
		}
	}
	atoi := func(dst *int) func(string) error {
		return func(v string) error {
			n, e := strconv.Atoi(v)
			if e != nil {
				return fmt.Errorf("not a whole number")
			}
			*dst = n
			return nil
		}
	}
	get("alpha", func(v string) error {
		a, e := strconv.ParseFloat(v, 64)
		if e != nil || math.IsNaN(a) || math.IsInf(a, 0) {
			return fmt.Errorf("not a finite number")
		}
		c.Alpha = a
		return nil
	})
	get("resolution", atoi(&c.Resolution))
	get("channels", atoi(&c.Channels))
	get("classes", atoi(&c.Classes))
	get("full_conv", func(v string) (e error) {
		if c.FullConv, e = strconv.ParseBool(v); e != nil {
			return fmt.Errorf("not true or false")
		}
		return nil
	})
	get("min_depth", atoi(&c.MinDepth))
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}
