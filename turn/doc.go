// Package turn issues short-lived TURN credentials and the ICE server list
// Frontdesk hands to browsers (and to its own Pion peers).
//
// Credentials follow the TURN REST API draft (draft-uberti-behave-turn-rest-00,
// §2.2) as coturn implements it with use-auth-secret / static-auth-secret:
//
//	username   = "<expiry as Unix seconds>:<user id>"
//	credential = base64(HMAC-SHA1(shared secret, username))
//
// The TURN server recomputes the credential from the username and its copy of
// the shared secret and refuses the allocation once the expiry has passed, so
// Frontdesk never stores TURN passwords and a leaked credential dies by
// itself. The shared secret never leaves this package: it is not logged, not
// put in errors and not part of any output.
package turn
