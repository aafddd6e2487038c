package kafka

import (
	"strings"
	"testing"
)

func TestValidateSecurity(t *testing.T) {
	base := ClientConfig{Brokers: []string{"127.0.0.1:9092"}, ClientID: "t"}
	tests := []struct {
		name string
		edit func(*ClientConfig)
		want string // "" = valid
	}{
		{"plaintext", func(*ClientConfig) {}, ""},
		{"scram", func(c *ClientConfig) { c.SASL = SASLConfig{Mechanism: "SCRAM-SHA-512", User: "u", PasswordFile: "f"} }, ""},
		{"unknown mechanism", func(c *ClientConfig) { c.SASL = SASLConfig{Mechanism: "gssapi", User: "u", PasswordFile: "f"} }, "unknown --kafka-sasl"},
		{"mechanism without user", func(c *ClientConfig) { c.SASL = SASLConfig{Mechanism: "plain", PasswordFile: "f"} }, "needs --kafka-user"},
		{"user without mechanism", func(c *ClientConfig) { c.SASL = SASLConfig{User: "u"} }, "without --kafka-sasl"},
		{"cert without key", func(c *ClientConfig) { c.TLS.CertFile = "c.pem" }, "--kafka-tls-key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
