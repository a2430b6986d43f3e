package mongo_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/auth/authtest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

func TestAuthStoreContract(t *testing.T) {
	open := opener(mongotest.NewServer(t))
	authtest.RunStoreContract(t, func(t *testing.T) auth.Store { return open(t).Auth() })
}
