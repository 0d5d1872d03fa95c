package flexbuf_test

import (
	"fmt"
	"os"

	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
)

// Example reads two entries of a TFLite_Detection_PostProcess operator's custom options.
func Example() {
	b, err := os.ReadFile("testdata/coco_postprocess_options.flexbuf")
	if err != nil {
		fmt.Println(err)
		return
	}
	root, err := flexbuf.Root(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := root.Map()
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _, _ := m.Get("max_detections")
	n, _ := v.Int()
	v, _, _ = m.Get("nms_iou_threshold")
	iou, _ := v.Float()
	fmt.Println(m.Len(), n, float32(iou))
	// Output: 10 10 0.6
}
