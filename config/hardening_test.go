package config

import (
	"strings"
	"testing"
)

// TestEventsCredentialsAndMetricsValidation: webhook credentials are tied
// to one instance each, the built-in SFU's name is reserved, and the
// metrics listener and token are checked; every failure names its key.
func TestEventsCredentialsAndMetricsValidation(t *testing.T) {
	inst := func(name, user, pwd string) JanusInstance {
		return JanusInstance{Name: name, WSURL: "ws://" + name + "/", AdminURL: "http://" + name + "/admin",
			EventsUser: user, EventsPassword: Secret(pwd)}
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		key    string // "" when valid
	}{
		{"one instance, shared credentials", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "", "")}
			c.Events.User, c.Events.Password = "janus", "pw"
		}, ""},
		{"two instances, own credentials", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "evh-a", "pa"), inst("b", "evh-b", "pb")}
		}, ""},
		{"two instances, shared credentials", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "evh-a", "pa"), inst("b", "evh-b", "pb")}
			c.Events.User, c.Events.Password = "janus", "pw"
		}, "events.user"},
		{"instance user without password", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "evh-a", "")}
		}, "janus.instances[0].events_password"},
		{"instance password without user", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "", "pa")}
		}, "janus.instances[0].events_user"},
		{"instance user colon", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "e:a", "pa")}
		}, "janus.instances[0].events_user"},
		{"two instances, one user", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "evh", "pa"), inst("b", "evh", "pb")}
		}, "janus.instances[1].events_user"},
		{"instance user is the shared user", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst("a", "janus", "pa")}
			c.Events.User, c.Events.Password = "janus", "pw"
		}, "janus.instances[0].events_user"},
		{"instance named like the built-in SFU", func(c *Config) {
			c.Janus.Instances = []JanusInstance{inst(BuiltinInstance, "", "")}
		}, "janus.instances[0].name"},
		{"metrics listener", func(c *Config) { c.Metrics.Listen = "127.0.0.1:9090"; c.Metrics.Token = "0123456789abcdef" }, ""},
		{"metrics listen not host:port", func(c *Config) { c.Metrics.Listen = "9090" }, "metrics.listen"},
		{"metrics listen is http.listen", func(c *Config) { c.Metrics.Listen = c.HTTP.Listen }, "metrics.listen"},
		{"metrics token short", func(c *Config) { c.Metrics.Token = "short-TOKEN" }, "metrics.token"},
		{"metrics token with space", func(c *Config) { c.Metrics.Token = "0123456789 abcdef" }, "metrics.token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(c)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			keyErr(t, err, tt.key, ErrInvalid)
			if strings.Contains(err.Error(), "short-TOKEN") || strings.Contains(err.Error(), "abcdef") {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
}
