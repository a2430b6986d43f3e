package auth_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/auth/authtest"
)

func TestMemoryStoreContract(t *testing.T) {
	authtest.RunStoreContract(t, func(t *testing.T) auth.Store { return auth.NewMemoryStore() })
}
