// Package check verifies a live Janus deployment the way Frontdesk needs it
// (janus-config) and says exactly what is wrong: the Admin API answers, the
// admin_secret is right, token_auth is on, the VideoRoom plugin is loaded
// and accepts the configured admin_key (and refuses rooms without one), the
// SIP plugin is loaded (only when Target.SIP asks for it), event
// handlers are on with the sample HTTP event handler loaded, and, given an
// [EventWitness], that events from the instance actually reach Frontdesk.
//
// It talks to Janus only through the Admin API (Janus docs, "Admin/Monitor
// API"): info, ping, get_status, and message_plugin to create and destroy a
// throwaway private VideoRoom room. Secrets never appear in results.
// The command "frontdesk janus check" prints the results as a table.
package check
