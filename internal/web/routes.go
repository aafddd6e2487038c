package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ticklake/ticklake/internal/query"
)

// maxQueryBody caps the size of a query request.
const maxQueryBody = 1 << 20

// Handler returns the server's routes wrapped in authentication and request
// logging.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/status", s.status)
	mux.HandleFunc("POST /api/query", s.query)
	return s.logRequests(s.authenticate(mux))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	var st any = struct{}{}
	if s.deps.Status != nil {
		st = s.deps.Status()
	}
	writeJSON(w, http.StatusOK, st)
}

// queryRequest is the body of POST /api/query.
type queryRequest struct {
	SQL string `json:"sql"`
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	if s.deps.Query == nil {
		writeError(w, http.StatusServiceUnavailable, "no query engine is running in this process")
		return
	}
	req, status, err := decodeQuery(w, r)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	res, err := s.deps.Query(r.Context(), req.SQL)
	if err != nil {
		status := queryStatus(err)
		if status == http.StatusInternalServerError {
			s.logger.Error("query failed", "err", err)
		}
		writeError(w, status, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := res.WriteJSON(w); err != nil {
		s.logger.Debug("writing a query result", "err", err)
	}
}

// decodeQuery reads a strict {"sql": "..."} body.
func decodeQuery(w http.ResponseWriter, r *http.Request) (queryRequest, int, error) {
	var req queryRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxQueryBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes; send a shorter statement", maxQueryBody)
		}
		return req, http.StatusBadRequest, fmt.Errorf(`bad request body: %v; send JSON {"sql": "SELECT ..."}`, err)
	}
	if dec.More() {
		return req, http.StatusBadRequest, fmt.Errorf(`bad request body: data after the JSON object; send one {"sql": "SELECT ..."}`)
	}
	if strings.TrimSpace(req.SQL) == "" {
		return req, http.StatusBadRequest, fmt.Errorf(`bad request body: "sql" is empty; send {"sql": "SELECT ..."}`)
	}
	return req, http.StatusOK, nil
}

// queryStatus maps a query error to its HTTP status.
func queryStatus(err error) int {
	switch {
	case errors.Is(err, query.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, query.ErrBadQuery):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// errorBody is every error response's body.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: strings.ReplaceAll(msg, "\n", " ")})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "encoding the response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
