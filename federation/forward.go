package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// errForward marks a forwarding failure worth retrying (the target stopped
// leading, or could not be reached).
var errForward = errors.New("forward to leader")

type forwardRequest struct {
	Kind byte   `json:"kind"`
	Data []byte `json:"data"` // base64 in JSON
}

type forwardResponse struct {
	Result json.RawMessage `json:"result,omitempty"`
	Index  uint64          `json:"index"`
	Error  string          `json:"error,omitempty"`
	Retry  bool            `json:"retry,omitempty"`
}

// Handler serves the endpoints peers call: forwarded proposals, joins and
// removals. Mount it under /internal/ on the node's HTTP server.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /internal/v1/propose", n.handlePropose)
	mux.HandleFunc("POST /internal/v1/join", func(w http.ResponseWriter, r *http.Request) {
		var req JoinRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			writeForward(w, http.StatusBadRequest, forwardResponse{Error: err.Error()})
			return
		}
		if err := n.Join(r.Context(), req); err != nil {
			writeForward(w, statusFor(err), forwardResponse{Error: err.Error(), Retry: retryable(err)})
			return
		}
		writeForward(w, http.StatusOK, forwardResponse{})
	})
	mux.HandleFunc("POST /internal/v1/remove", func(w http.ResponseWriter, r *http.Request) {
		var req JoinRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			writeForward(w, http.StatusBadRequest, forwardResponse{Error: err.Error()})
			return
		}
		if err := n.Remove(r.Context(), req.ID); err != nil {
			writeForward(w, statusFor(err), forwardResponse{Error: err.Error(), Retry: retryable(err)})
			return
		}
		writeForward(w, http.StatusOK, forwardResponse{})
	})
	return mux
}

func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrUnknownMember):
		return http.StatusNotFound
	case retryable(err), errors.Is(err, ErrClosed):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrTimeout):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func (n *Node) handlePropose(w http.ResponseWriter, r *http.Request) {
	var req forwardRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
		writeForward(w, http.StatusBadRequest, forwardResponse{Error: "decode forwarded proposal: " + err.Error()})
		return
	}
	if !n.IsLeader() {
		// Do not forward again: the sender retries with the leader it
		// sees next, which avoids forwarding loops during elections.
		writeForward(w, http.StatusServiceUnavailable, forwardResponse{Error: ErrNotLeader.Error(), Retry: true})
		return
	}
	res, index, err := n.batcher.submit(r.Context(), subCommand{kind: req.Kind, data: req.Data})
	if err != nil {
		writeForward(w, statusFor(err), forwardResponse{Error: err.Error(), Retry: retryable(err)})
		return
	}
	writeForward(w, http.StatusOK, forwardResponse{Result: res, Index: index})
}

func writeForward(w http.ResponseWriter, code int, resp forwardResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(resp)
}

// forward sends a proposal to the leader's HTTP address.
func (n *Node) forward(ctx context.Context, addr string, c subCommand) ([]byte, uint64, error) {
	body, err := json.Marshal(forwardRequest{Kind: c.kind, Data: c.data})
	if err != nil {
		return nil, 0, err
	}
	var resp forwardResponse
	if err := n.post(ctx, addr, "/internal/v1/propose", body, &resp); err != nil {
		return nil, 0, err
	}
	return resp.Result, resp.Index, nil
}

func (n *Node) forwardJSON(ctx context.Context, addr, path string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var resp forwardResponse
	return n.post(ctx, addr, path, body, &resp)
}

func (n *Node) post(ctx context.Context, addr, path string, body []byte, out *forwardResponse) error {
	url := strings.TrimRight(addr, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w %s: %v", errForward, addr, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return fmt.Errorf("%w %s: decode answer (HTTP %d): %v", errForward, addr, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		if out.Retry {
			return fmt.Errorf("%w %s: %s", errForward, addr, out.Error)
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", out.Error, ErrUnknownMember)
		}
		return fmt.Errorf("leader %s: %s", addr, out.Error)
	}
	return nil
}
