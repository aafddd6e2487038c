package sink

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // substring of the error; empty for none
	}{
		{"default", func(*Config) {}, ""},
		{"no group", func(c *Config) { c.Group = "" }, "consumer group"},
		{"no topics", func(c *Config) { c.Topics = nil }, "no topics"},
		{"empty topic", func(c *Config) { c.Topics = []string{"trades", ""} }, "empty topic"},
		{"duplicate topic", func(c *Config) { c.Topics = []string{"trades", "trades"} }, "twice"},
		{"zero interval", func(c *Config) { c.FlushInterval = 0 }, "FlushInterval"},
		{"negative rows", func(c *Config) { c.FlushRows = -1; c.FlushInterval = time.Second }, "FlushRows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
