package kafka

import (
	"strings"
	"testing"
)

func TestClientConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr string
	}{
		{"default", DefaultClientConfig(), ""},
		{"several", ClientConfig{Brokers: []string{"a:9092", " b:9093"}, ClientID: "x"}, ""},
		{"no brokers", ClientConfig{ClientID: "x"}, "no brokers"},
		{"no port", ClientConfig{Brokers: []string{"localhost"}, ClientID: "x"}, `"localhost" is not host:port`},
		{"no client id", ClientConfig{Brokers: []string{"a:1"}}, "client id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}
