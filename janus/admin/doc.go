// Package admin is a client of the Janus Admin API over HTTP (Janus docs,
// "Admin/Monitor API"): server info, sessions and handles, stored tokens,
// accepting new sessions, and plugin requests. It is all of Janus that the
// frontdesk binary speaks to directly; browsers reach the Janus API
// through the proxy, and package janus holds the full Janus API client
// used by tests and tools.
package admin
