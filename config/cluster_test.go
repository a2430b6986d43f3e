package config

import (
	"strings"
	"testing"
)

// TestClusterGuards: several replicas need the shared store and shared
// signing keys; each refusal names the key to set.
func TestClusterGuards(t *testing.T) {
	shared := func(c *Config) {
		c.Store.Driver, c.Store.MongoDB.URI = DriverMongoDB, "mongodb://db:27017"
		c.Auth.Keys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		c.Cluster.Secret = "route-secret-0123456789"
		c.SFU.Listen, c.SFU.AdvertiseURL = "0.0.0.0:7089", "http://fd-1:7089"
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		key    string // "" when valid
	}{
		{"one replica, embedded store", func(*Config) {}, ""},
		{"replicas, shared store and keys", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.Cluster.Routes = "0.0.0.0:6222", []string{"nats://fd-1:6222", "nats://fd-2:6222"}
		}, ""},
		{"external NATS, shared store and keys", func(c *Config) { shared(c); c.NATS.URL = "nats://user:pw@nats:4222" }, ""},
		{"replicas on the embedded store", func(c *Config) {
			shared(c)
			c.Store.Driver = DriverEmbedded
			c.Cluster.Listen = "0.0.0.0:6222"
		}, "store.driver"},
		{"replicas without shared keys", func(c *Config) {
			shared(c)
			c.Auth.Keys = ""
			c.NATS.URL = "nats://nats:4222"
		}, "auth.keys"},
		{"routes without listen", func(c *Config) { shared(c); c.Cluster.Routes = []string{"nats://fd-1:6222"} }, "cluster.routes"},
		{"route not nats", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.Cluster.Routes = "0.0.0.0:6222", []string{"http://fd-1:6222"}
		}, "cluster.routes[0]"},
		{"listen not host:port", func(c *Config) { shared(c); c.Cluster.Listen = "6222" }, "cluster.listen"},
		{"routes without a secret", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.Cluster.Secret = "0.0.0.0:6222", ""
		}, "cluster.secret"},
		{"a short secret", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.Cluster.Secret = "0.0.0.0:6222", "short"
		}, "cluster.secret"},
		{"replicas without the SFU's advertised URL", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.SFU.AdvertiseURL = "0.0.0.0:6222", ""
		}, "sfu.advertise_url"},
		{"replicas with the SFU off need no URL", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.SFU.AdvertiseURL, c.SFU.Listen, c.SFU.Enabled = "0.0.0.0:6222", "", "", false
		}, ""},
		{"advertised URL with a path", func(c *Config) { shared(c); c.SFU.AdvertiseURL = "http://fd-1:7089/janus" }, "sfu.advertise_url"},
		{"advertised URL with credentials", func(c *Config) { shared(c); c.SFU.AdvertiseURL = "http://u:p@fd-1:7089" }, "sfu.advertise_url"},
		{"replicas with an OS-picked SFU port", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.SFU.Listen = "0.0.0.0:6222", ""
		}, "sfu.listen"},
		{"SFU listen not host:port", func(c *Config) { shared(c); c.SFU.Listen = "7089" }, "sfu.listen"},
		{"external NATS without an SFU secret", func(c *Config) { shared(c); c.Cluster.Secret = ""; c.NATS.URL = "nats://nats:4222" }, "sfu.secret"},
		{"external NATS with an SFU secret", func(c *Config) {
			shared(c)
			c.Cluster.Secret, c.SFU.Secret, c.NATS.URL = "", "sfu-secret-0123456789", "nats://nats:4222"
		}, ""},
		{"a short SFU secret", func(c *Config) { shared(c); c.SFU.Secret = "short" }, "sfu.secret"},
		{"both embedded and external", func(c *Config) {
			shared(c)
			c.Cluster.Listen, c.NATS.URL = "0.0.0.0:6222", "nats://user:pw@nats:4222"
		}, "nats.url"},
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
			if strings.Contains(err.Error(), "user:pw") || strings.Contains(err.Error(), "route-secret") {
				t.Errorf("error quotes the NATS credentials: %v", err)
			}
		})
	}
}
