package serve

import (
	"fmt"
	"net/http"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/graph"
)

// ModelsResult is the answer of GET /v1/models.
type ModelsResult struct {
	Models []ModelInfo `json:"models"`
}

// ModelInfo describes one loaded model.
type ModelInfo struct {
	Role    string       `json:"role"` // "classifier" or "detector"
	Name    string       `json:"name"`
	Inputs  []TensorInfo `json:"inputs"`
	Outputs []TensorInfo `json:"outputs"`
	Labels  int          `json:"labels"`
	Cost    Cost         `json:"cost"`
}

// TensorInfo is one input or output of a model.
type TensorInfo struct {
	Name      string    `json:"name"`
	DType     string    `json:"dtype"`
	Shape     []int     `json:"shape"`
	Scale     []float32 `json:"scale,omitempty"`      // quantized tensors only
	ZeroPoint []int32   `json:"zero_point,omitempty"` // quantized tensors only
}

// Cost is the model's cost at batch 1, counted as graph.Summarize does.
type Cost struct {
	MultAdds    int64 `json:"mult_adds"`
	Params      int64 `json:"params"`
	ParamsTotal int64 `json:"params_total"`
}

// describe returns the ModelInfo of m.
func describe(role string, m *mobilenet.Model) (info ModelInfo, err error) {
	g := m.Graph()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("serve: %s: summarizing the graph: %v", m.Name(), p)
		}
	}()
	s := graph.Summarize(g)
	info = ModelInfo{Role: role, Name: m.Name(), Labels: len(m.Labels()),
		Inputs: tensors(g, g.Inputs), Outputs: tensors(g, g.Outputs),
		Cost: Cost{MultAdds: s.MultAdds, Params: s.Params, ParamsTotal: s.ParamsTotal}}
	return info, nil
}

func tensors(g *graph.Graph, ids []int) []TensorInfo {
	out := make([]TensorInfo, len(ids))
	for i, id := range ids {
		v := g.Values[id]
		out[i] = TensorInfo{Name: v.Name, DType: v.DType.String(), Shape: append([]int{}, v.Shape...)}
		if v.Quant != nil {
			out[i].Scale, out[i].ZeroPoint = v.Quant.Scale, v.Quant.ZeroPoint
		}
	}
	return out
}

// models answers GET /v1/models.
func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.modelsResult)
}

// healthz answers GET /healthz: the process is up.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers GET /readyz: 200 while the server takes work, 503 once it drains.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeError(w, &httpError{status: http.StatusServiceUnavailable, msg: "serve: draining", retryAfter: 1})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
