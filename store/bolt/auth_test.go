package bolt_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/auth/authtest"
)

func TestAuthStoreContract(t *testing.T) {
	authtest.RunStoreContract(t, func(t *testing.T) auth.Store { return openTemp(t).Auth() })
}
