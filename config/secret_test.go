package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// secretsInFull are the secret values set in testdata/full.yaml.
var secretsInFull = []string{
	"mongo-pass-SECRET1", "admin-secret-SECRET2", "admin-key-SECRET3", "events-pass-SECRET4",
	"bootstrap-pass-SECRET5", "ice-cred-SECRET6", "turn-secret-SECRET7", "jwtkeySECRET8", "SECRET",
}

func TestSecretsAbsentFromRenderings(t *testing.T) {
	c, err := LoadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("loaded", "config", c)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("loaded", "config", c)
	jsonBytes, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	yamlBytes, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	in := c.Janus.Instances[0]
	renderings := []struct{ name, out string }{
		{"Redacted", c.Redacted()},
		{"%v", fmt.Sprintf("%v", c)},
		{"%+v", fmt.Sprintf("%+v", *c)},
		{"%#v", fmt.Sprintf("%#v", *c)},
		{"instance %+v", fmt.Sprintf("%+v", in)},
		{"instance %#v", fmt.Sprintf("%#v", in)},
		{"secret %s %q %x %d", fmt.Sprintf("%s %q %x %d", in.AdminSecret, in.AdminSecret, in.AdminSecret, in.AdminSecret)},
		{"uri %s %q %x", fmt.Sprintf("%s %q %x", c.Store.MongoDB.URI, c.Store.MongoDB.URI, c.Store.MongoDB.URI)},
		{"slog text", text.String()},
		{"slog json", js.String()},
		{"slog attr", func() string {
			var b bytes.Buffer
			slog.New(slog.NewTextHandler(&b, nil)).Info("x", "secret", in.AdminSecret, "uri", c.Store.MongoDB.URI)
			return b.String()
		}()},
		{"json", string(jsonBytes)},
		{"yaml", string(yamlBytes)},
	}
	for _, r := range renderings {
		t.Run(r.name, func(t *testing.T) {
			for _, s := range secretsInFull {
				if strings.Contains(r.out, s) {
					t.Errorf("rendering contains secret %q:\n%s", s, r.out)
				}
			}
		})
	}
	// The redacted view still shows what is set and what is not.
	red := c.Redacted()
	for _, want := range []string{"admin_secret: '" + Masked + "'", "janus-b", "mongodb://frontdesk:" + Masked + "@db1:27017,db2:27017/?" + Masked} {
		if !strings.Contains(red, want) {
			t.Errorf("Redacted() lacks %q:\n%s", want, red)
		}
	}
}

func TestSecretsAbsentFromErrors(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		secret string
	}{
		{"mongodb uri with bad scheme", []string{"FRONTDESK_STORE_DRIVER=mongodb", "FRONTDESK_STORE_MONGODB_URI=postgres://u:pw-SECRET@h/"}, "pw-SECRET"},
		{"short bootstrap password", []string{"FRONTDESK_AUTH_BOOTSTRAP_ADMIN_EMAIL=a@b.c", "FRONTDESK_AUTH_BOOTSTRAP_ADMIN_PASSWORD=SECRETx"}, "SECRETx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Fatalf("error reveals the secret: %v", err)
			}
		})
	}
	t.Run("yaml type error on secret", func(t *testing.T) {
		_, err := LoadFile(writeFile(t, "turn:\n  shared_secret: [SECRET-in-list]\n"))
		keyErr(t, err, "turn.shared_secret", ErrBadValue)
		if strings.Contains(err.Error(), "SECRET-in-list") {
			t.Fatalf("error reveals the secret: %v", err)
		}
	})
}

func TestSecretURIString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"mongodb://db:27017/desk", "mongodb://db:27017/desk"},
		{"mongodb://user@db/desk", "mongodb://user@db/desk"},
		{"mongodb://user:pw@db/desk", "mongodb://user:" + Masked + "@db/desk"},
		{"mongodb+srv://user:p%40ss@cluster.example.net/?retryWrites=true", "mongodb+srv://user:" + Masked + "@cluster.example.net/?" + Masked},
		{"mongodb://user:pa/ss@db", "mongodb://user:" + Masked + "@db"},
		{"mongodb://user:pa@ss@db1,db2/desk", "mongodb://user:" + Masked + "@db1,db2/desk"},
		{"not a uri with pw", Masked},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SecretURI(tt.in).String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := SecretURI(tt.in).Reveal(); got != tt.in {
				t.Errorf("Reveal() = %q, want %q", got, tt.in)
			}
		})
	}
}

func TestSecretString(t *testing.T) {
	if got := Secret("").String(); got != "" {
		t.Errorf("empty secret prints %q, want empty", got)
	}
	if got := fmt.Sprint(Secret("x")); got != Masked {
		t.Errorf("secret prints %q, want %q", got, Masked)
	}
	if got := Secret("x").Reveal(); got != "x" {
		t.Errorf("Reveal() = %q", got)
	}
}

// TestEverySecretLookingFieldIsSecret guards against adding a key like
// "api_token" as a plain string.
func TestEverySecretLookingFieldIsSecret(t *testing.T) {
	for _, k := range Keys() {
		name := k.Key[strings.LastIndexAny(k.Key, ".]")+1:]
		looksSecret := false
		for _, w := range []string{"secret", "password", "credential", "token", "admin_key", "uri"} {
			looksSecret = looksSecret || strings.Contains(name, w)
		}
		looksSecret = looksSecret || name == "keys" || k.Key == "nats.url" || k.Key == "export.webhooks[].url" // URLs that may carry credentials
		if looksSecret != k.Secret {
			t.Errorf("%s: looks secret %v, is secret %v", k.Key, looksSecret, k.Secret)
		}
		if k.Secret && k.Flag != "" {
			t.Errorf("%s: secret has a flag", k.Key)
		}
	}
}
