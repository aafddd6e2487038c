// Package web serves ticklake's HTTP API: health, Prometheus metrics, the
// pipeline's status and SQL queries over the lake, plus a small index page.
//
// It owns HTTP only: what the status holds and how queries run come in as
// functions (Deps), so the package knows no pipeline part and no engine
// internals beyond the query.Result it encodes.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticklake/ticklake/internal/query"
)

// shutdownTimeout bounds the graceful shutdown: in-flight requests get this
// long to finish once the server is told to stop.
const shutdownTimeout = 5 * time.Second

// Deps are what the server exposes. Nil fields are allowed: a nil Logger
// discards, a nil Gatherer serves no metrics, a nil Status serves {}, and a
// nil Query answers 503.
type Deps struct {
	Logger   *slog.Logger
	Gatherer prometheus.Gatherer
	Status   func() any
	Query    func(ctx context.Context, sql string) (*query.Result, error)
}

// Server is the HTTP API server.
type Server struct {
	cfg    Config
	deps   Deps
	logger *slog.Logger
	srv    *http.Server
	ln     net.Listener
}

// New checks cfg and builds the server; it does not listen yet.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Addr = cfg.addr()
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if deps.Gatherer == nil {
		deps.Gatherer = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, deps: deps, logger: deps.Logger}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Listen binds the configured address.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listening on %s: address already in use; pass --http 127.0.0.1:0 or another address", s.cfg.Addr)
	}
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the address the server listens on (the real port when the
// configured one was 0), or the configured address before Listen.
func (s *Server) Addr() string {
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.cfg.Addr
}

// Serve serves until ctx is done, then shuts down gracefully. It listens
// first if Listen was not called.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.logger.Info("serving HTTP", "addr", s.Addr(), "auth", s.cfg.Token != "")
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving HTTP on %s: %w", s.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down HTTP on %s: %w", s.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTP on %s: %w", s.Addr(), err)
	}
	return nil
}
