// Package siptest starts real SIP parts for tests of Frontdesk's phone
// calls through the Janus SIP plugin (janus.plugin.sip): a [Registrar]
// (Debian's kamailio 5.6 with digest authentication) and [Phone]s
// (Debian's baresip 1.0 registered as E.164-style users, answering
// automatically or never, sending a tone and recording what they receive),
// and an [AudioPeer], the browser's side of a call (Pion, PCMU).
//
// Each registrar and phone runs in its own network namespace "fdsN" joined
// to the host by a veth pair on 10.78.N.0/30 (the host side is .1, the
// process listens on .2), made by janustest.NewNamespace: namespaces route
// 10.77.0.0/16 (janustest's Janus instances) and 10.78.0.0/16 through the
// host, which forwards between them, so a Janus started with
// janustest.Options{SIP: true} registers and calls here, and nothing leaves
// the machine. Concurrent test binaries are safe: a namespace name is
// claimed by creating it. Everything stops in t.Cleanup; on failure the
// processes' log tails are logged with passwords redacted. The parts need
// root, kamailio, baresip and sox: without them [Require] skips, except
// under CI=true, where it fails.
//
// # SIP response codes of the test paths (RFC 3261 §21)
//
//   - REGISTER with a wrong password: 401 Unauthorized again after the
//     challenge; Janus reports "registration_failed" with Sofia-SIP's code
//     904 "Operation has no matching challenge", not 401.
//   - INVITE to a registered AnswerAuto phone: 407 (answered by Janus with
//     credentials), 100 Trying, 180 Ringing, 200 OK; a BYE from either side
//     ends it and Janus reports hangup code 200.
//   - INVITE to [BusyNumber]: 486 Busy Here from the registrar.
//   - INVITE to an unregistered number ([UnknownNumber]): 404 Not Found.
//   - INVITE to an AnswerNever phone: 180 Ringing, then 408 Request Timeout
//     from the registrar after RegistrarOptions.NoAnswerTimeout (it CANCELs
//     the phone), or 487 Request Terminated when the caller hangs up first
//     (Janus sends CANCEL).
//
// # Event shapes janus.plugin.sip produced (Janus 1.1.2, observed)
//
// See the comment of TestSIPChain in sip_test.go: the plugindata.data
// objects of each request and path, as the integration test logged them
// (go test -v -run TestSIPChain ./sip/siptest/ prints them again).
package siptest
