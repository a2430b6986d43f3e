// Package bus is Frontdesk's in-process event bus: Janus event-handler
// events (decoded by package janus/events) and the Pion SFU's call events are
// published once and fanned out to subscribers that filter by event type,
// Janus instance (emitter), room, participant, session or handle.
//
// Publishing never blocks: each subscription has a bounded buffer, and an
// event that does not fit is dropped for that subscriber only, counted in
// Subscription.Dropped and in the frontdesk_bus_dropped_events_total
// Prometheus counter. The bus starts no goroutines; subscribers read their
// channel in goroutines they own.
package bus
