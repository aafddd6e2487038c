package web

import (
	"fmt"
	"net"
	"strings"
)

// Config is the HTTP server's configuration.
type Config struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string
	// Token, when set, is required on every request as
	// "Authorization: Bearer <Token>".
	Token string
}

// DefaultConfig returns the defaults: loopback port 8080, no token.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080"}
}

// Validate checks the address and refuses to expose the API beyond the
// machine without a token.
func (c Config) Validate() error {
	addr := c.addr()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("web: bad --http address %q: %w; use host:port such as 127.0.0.1:8080", addr, err)
	}
	if c.Token == "" && !isLoopback(host) {
		return fmt.Errorf("refusing to serve HTTP on %s without --auth-token: anyone on the network could query the lake; set --auth-token or --auth-token-file, or bind 127.0.0.1", addr)
	}
	return nil
}

func (c Config) addr() string {
	if c.Addr == "" {
		return DefaultConfig().Addr
	}
	return c.Addr
}

// isLoopback reports whether host names only this machine: localhost,
// 127.0.0.0/8 or ::1. An empty host means every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
